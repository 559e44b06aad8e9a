/*
 * libs: libcurl and OpenSSL's libcrypto, loaded with dlopen() by the first
 * download rather than linked into lanes. The two and the thirty-odd
 * libraries they pull in cost every run of lanes about 4 ms of start-up
 * and 6 MiB of memory, and only --download uses them.
 *
 * Use: the one file that calls them (io/dl.c) includes <curl/curl.h> with
 * CURL_DISABLE_TYPECHECK defined, then <openssl/evp.h>, then this header,
 * which turns each call it makes into a call through a pointer of the
 * right type. libs_load() fills the pointers; nothing may be called before
 * it returned 0.
 *
 * Thread-safety: libs_load() may be called from any thread, any number of
 * times (it loads once); afterwards the table is read-only.
 * Errors: 0, or -ELIBACC with the dynamic loader's message in err.
 */
#ifndef LANES_LIBS_H
#define LANES_LIBS_H

#include <stddef.h>

#define LIBS_FN(name) __typeof__(&name) name

struct libs {
	LIBS_FN(curl_global_init);
	LIBS_FN(curl_global_cleanup);
	LIBS_FN(curl_easy_init);
	LIBS_FN(curl_easy_cleanup);
	LIBS_FN(curl_easy_setopt);
	LIBS_FN(curl_easy_getinfo);
	LIBS_FN(curl_easy_perform);
	LIBS_FN(curl_easy_strerror);
	LIBS_FN(curl_getdate);
	LIBS_FN(curl_multi_init);
	LIBS_FN(curl_multi_cleanup);
	LIBS_FN(curl_multi_add_handle);
	LIBS_FN(curl_multi_remove_handle);
	LIBS_FN(curl_multi_perform);
	LIBS_FN(curl_multi_poll);
	LIBS_FN(curl_multi_wakeup);
	LIBS_FN(curl_multi_info_read);
	LIBS_FN(curl_share_init);
	LIBS_FN(curl_share_cleanup);
	LIBS_FN(curl_share_setopt);
	LIBS_FN(curl_slist_append);
	LIBS_FN(curl_slist_free_all);
	LIBS_FN(EVP_Digest);
	LIBS_FN(EVP_DigestInit_ex);
	LIBS_FN(EVP_DigestUpdate);
	LIBS_FN(EVP_DigestFinal_ex);
	LIBS_FN(EVP_MD_CTX_new);
	LIBS_FN(EVP_MD_CTX_free);
	LIBS_FN(EVP_sha256);
};

#undef LIBS_FN

extern struct libs libs;

int libs_load(char *err, size_t errlen);

/* From here on, calls in the including file go through the table. */
#ifndef LANES_LIBS_NO_REDIRECT
/* curl.h wraps these three in macros that only count arguments. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_share_setopt
#define curl_global_init libs.curl_global_init
#define curl_global_cleanup libs.curl_global_cleanup
#define curl_easy_init libs.curl_easy_init
#define curl_easy_cleanup libs.curl_easy_cleanup
#define curl_easy_setopt libs.curl_easy_setopt
#define curl_easy_getinfo libs.curl_easy_getinfo
#define curl_easy_perform libs.curl_easy_perform
#define curl_easy_strerror libs.curl_easy_strerror
#define curl_getdate libs.curl_getdate
#define curl_multi_init libs.curl_multi_init
#define curl_multi_cleanup libs.curl_multi_cleanup
#define curl_multi_add_handle libs.curl_multi_add_handle
#define curl_multi_remove_handle libs.curl_multi_remove_handle
#define curl_multi_perform libs.curl_multi_perform
#define curl_multi_poll libs.curl_multi_poll
#define curl_multi_wakeup libs.curl_multi_wakeup
#define curl_multi_info_read libs.curl_multi_info_read
#define curl_share_init libs.curl_share_init
#define curl_share_cleanup libs.curl_share_cleanup
#define curl_share_setopt libs.curl_share_setopt
#define curl_slist_append libs.curl_slist_append
#define curl_slist_free_all libs.curl_slist_free_all
#define EVP_Digest libs.EVP_Digest
#define EVP_DigestInit_ex libs.EVP_DigestInit_ex
#define EVP_DigestUpdate libs.EVP_DigestUpdate
#define EVP_DigestFinal_ex libs.EVP_DigestFinal_ex
#define EVP_MD_CTX_new libs.EVP_MD_CTX_new
#define EVP_MD_CTX_free libs.EVP_MD_CTX_free
#define EVP_sha256 libs.EVP_sha256
#endif

#endif
