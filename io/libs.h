/*
 * libs: libcurl and OpenSSL's libcrypto, loaded with dlopen() by the first
 * download rather than linked into lanes. The two and the thirty-odd
 * libraries they pull in cost every run of lanes about 4 ms of start-up
 * and 6 MiB of memory, and only --download uses them.
 *
 * Use: a file that calls them includes <curl/curl.h> with
 * CURL_DISABLE_TYPECHECK defined and <openssl/evp.h> (the table needs
 * both), then this header, and calls each function through the table:
 * libs.curl_easy_init().
 * The table's fields have the types of the real functions (taken from
 * their own headers), so such a call is checked exactly as a direct call
 * would be. LIBS_LIST is the one list of what lanes uses: adding a
 * function there declares its field and has libs_load() look it up.
 * libs_load() fills the table; nothing may be called before it returned 0.
 *
 * Thread-safety: libs_load() may be called from any thread, any number of
 * times (it loads once); afterwards the table is read-only.
 * Errors: 0, or -ELIBACC with the dynamic loader's message in err.
 */
#ifndef LANES_LIBS_H
#define LANES_LIBS_H

#include <stddef.h>

/* X(library, function) for each function lanes calls. */
#define LIBS_LIST(X)							\
	X(CURL, curl_global_init)					\
	X(CURL, curl_global_cleanup)					\
	X(CURL, curl_easy_init)						\
	X(CURL, curl_easy_cleanup)					\
	X(CURL, curl_easy_setopt)					\
	X(CURL, curl_easy_getinfo)					\
	X(CURL, curl_easy_strerror)					\
	X(CURL, curl_getdate)						\
	X(CURL, curl_multi_init)					\
	X(CURL, curl_multi_cleanup)					\
	X(CURL, curl_multi_add_handle)					\
	X(CURL, curl_multi_remove_handle)				\
	X(CURL, curl_multi_perform)					\
	X(CURL, curl_multi_poll)					\
	X(CURL, curl_multi_wakeup)					\
	X(CURL, curl_multi_info_read)					\
	X(CURL, curl_share_init)					\
	X(CURL, curl_share_cleanup)					\
	X(CURL, curl_share_setopt)					\
	X(CURL, curl_slist_append)					\
	X(CURL, curl_slist_free_all)					\
	X(CRYPTO, EVP_Digest)						\
	X(CRYPTO, EVP_DigestInit_ex)					\
	X(CRYPTO, EVP_DigestUpdate)					\
	X(CRYPTO, EVP_DigestFinal_ex)					\
	X(CRYPTO, EVP_MD_CTX_new)					\
	X(CRYPTO, EVP_MD_CTX_free)					\
	X(CRYPTO, EVP_sha256)

#define LIBS_FIELD(lib, name) __typeof__(&name) name;

struct libs {
	LIBS_LIST(LIBS_FIELD)
};

#undef LIBS_FIELD

extern struct libs libs;

int libs_load(char *err, size_t errlen);

#endif
