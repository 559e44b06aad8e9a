/*
 * DESIGN: libs.h's LIBS_LIST gives each function's library and name; here
 * it becomes a table of names and the offsets of their fields in struct
 * libs, and load() looks each name up once in its library.
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/evp.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "libs.h"

struct libs libs;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[512];

enum lib { LIB_CURL, LIB_CRYPTO, LIB_N };

/* The sonames of Debian 12's libcurl4 and libssl3, then the unversioned
 * names a development install provides. */
static const char *const lib_names[LIB_N][2] = {
	[LIB_CURL] = { "libcurl.so.4", "libcurl.so" },
	[LIB_CRYPTO] = { "libcrypto.so.3", "libcrypto.so" },
};

static const struct sym {
	enum lib lib;
	const char *name;
	size_t off;
} syms[] = {
#define LIBS_SYM(lib, name) { LIB_##lib, #name, offsetof(struct libs, name) },
	LIBS_LIST(LIBS_SYM)
#undef LIBS_SYM
};

static void *open_one(enum lib l)
{
	void *h = NULL;

	for (size_t i = 0; i < 2 && !h; i++)
		h = dlopen(lib_names[l][i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(load_err, sizeof(load_err), "cannot load %s: %s",
			 lib_names[l][0], dlerror());
	return h;
}

static void load(void)
{
	void *h[LIB_N];
	size_t i;

	for (i = 0; i < LIB_N; i++)
		if (!(h[i] = open_one((enum lib)i)))
			return;
	/* Every name; the first one missing is the error. */
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h[syms[i].lib], syms[i].name);

		if (!f) {
			snprintf(load_err, sizeof(load_err),
				 "cannot find %s: %s", syms[i].name,
				 dlerror());
			return;
		}
		memcpy((char *)&libs + syms[i].off, &f, sizeof(f));
	}
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
