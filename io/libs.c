/*
 * DESIGN: the table's fields are declared with the types of the real
 * functions (from their own headers), so a call through them is checked
 * exactly as a direct call would be. This file includes the headers but
 * not libs.h's redirections, and looks each name up once.
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/evp.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The struct, without the macros that would rename what we look up. */
#define LANES_LIBS_NO_REDIRECT
#include "libs.h"

struct libs libs;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[512];

/* The sonames of Debian 12's libcurl4 and libssl3, then the unversioned
 * names a development install provides. */
static const char *const curl_names[] = { "libcurl.so.4", "libcurl.so" };
static const char *const crypto_names[] = { "libcrypto.so.3",
					    "libcrypto.so" };

static void *open_one(const char *const *names, size_t n)
{
	void *h = NULL;

	for (size_t i = 0; i < n && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(load_err, sizeof(load_err), "cannot load %s: %s",
			 names[0], dlerror());
	return h;
}

/* Look every name up; the first one missing is the error. */
#define SYM(h, name)							\
	do {								\
		if (!load_err[0] &&					\
		    !(*(void **)&libs.name = dlsym((h), #name)))	\
			snprintf(load_err, sizeof(load_err),		\
				 "cannot find %s: %s", #name, dlerror());\
	} while (0)

static void load(void)
{
	void *curl = open_one(curl_names, 2);
	void *crypto = curl ? open_one(crypto_names, 2) : NULL;

	if (!crypto)
		return;
	SYM(curl, curl_global_init);
	SYM(curl, curl_global_cleanup);
	SYM(curl, curl_easy_init);
	SYM(curl, curl_easy_cleanup);
	SYM(curl, curl_easy_setopt);
	SYM(curl, curl_easy_getinfo);
	SYM(curl, curl_easy_perform);
	SYM(curl, curl_easy_strerror);
	SYM(curl, curl_getdate);
	SYM(curl, curl_multi_init);
	SYM(curl, curl_multi_cleanup);
	SYM(curl, curl_multi_add_handle);
	SYM(curl, curl_multi_remove_handle);
	SYM(curl, curl_multi_perform);
	SYM(curl, curl_multi_poll);
	SYM(curl, curl_multi_wakeup);
	SYM(curl, curl_multi_info_read);
	SYM(curl, curl_share_init);
	SYM(curl, curl_share_cleanup);
	SYM(curl, curl_share_setopt);
	SYM(curl, curl_slist_append);
	SYM(curl, curl_slist_free_all);
	SYM(crypto, EVP_Digest);
	SYM(crypto, EVP_DigestInit_ex);
	SYM(crypto, EVP_DigestUpdate);
	SYM(crypto, EVP_DigestFinal_ex);
	SYM(crypto, EVP_MD_CTX_new);
	SYM(crypto, EVP_MD_CTX_free);
	SYM(crypto, EVP_sha256);
	/* The handles stay open for the life of the process. */
}

int libs_load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (!load_err[0])
		return 0;
	if (err)
		snprintf(err, errlen, "%s", load_err);
	return -ELIBACC;
}
