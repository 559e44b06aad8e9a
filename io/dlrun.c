/*
 * DESIGN: what may be shared across threads is shared through one share
 * handle: the DNS cache and the TLS session cache, each behind its own
 * mutex. The connection cache is not shared: a connection belongs to
 * one thread at a time, so each worker keeps its own (io/dl).
 *
 * Each piece of state has its own lock, so a worker that sleeps for the
 * rate limit never holds up one that claims a name: mu guards the stop
 * flag, the condition variable every sleeping worker waits on and the
 * list of multi handles to wake; rate_mu the rate limit's clock;
 * names_mu the name set. The checksum list is filled before the workers
 * run and only read afterwards, so it needs no lock.
 *
 * The name set keeps 64-bit hashes, not names, so it costs 16 bytes per
 * job at most; two different names that collide (about one chance in
 * 2^64 per pair) would make the second job fail, never overwrite.
 */
#include "dlrun.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/evp.h>

#include "clock.h"
#include "hash.h"
#include "libs.h"

/*
 * The receive buffer, one per worker. Measured with a 1 GiB file from
 * nginx over loopback onto tmpfs, median of 7 runs: 16 KiB (libcurl's
 * default) 1.20 s, 128 KiB 1.04 s, 512 KiB 0.76 s, 1 MiB 0.76 s; onto
 * disk 128 KiB 1.76 s and 512 KiB 1.63 s. Each write callback is one
 * pwrite(), so a larger buffer means fewer system calls and wakeups.
 * -DDL_BUFSIZE=N at build time, to measure again.
 */
#ifndef DL_BUFSIZE
#define DL_BUFSIZE (512 * 1024)
#endif
#define RATE_BURST 0.1

struct sum {
	char *name;		/* NULL: free slot */
	unsigned char d[DLPARSE_SHA256_LEN];
};

struct dlrun {
	struct dlrun_config cfg;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	struct curl_slist *headers;
	long bufsize;

	pthread_mutex_t mu;	/* with cond: the stop flag and waits */
	pthread_cond_t cond;	/* on the monotonic clock */
	struct dlrun_waker *wakers;	/* under mu: to wake on stop */
	atomic_int stop;	/* written under mu, read anywhere */
	atomic_ullong bytes;

	pthread_mutex_t rate_mu;
	double rate_next;	/* under rate_mu: the bucket's clock */

	pthread_mutex_t names_mu;
	uint64_t *names;	/* under names_mu: claimed, 0 = free */
	size_t names_cap, names_n;

	struct sum *sums;	/* read-only once the workers run */
	size_t sums_cap, sums_n;
};

static uint64_t name_hash(uint64_t state)
{
	uint64_t h = hash_mix64(state);

	return h ? h : 1;
}

/* The slot of h in a table of cap (a power of two) entries. */
static size_t names_find(uint64_t *v, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i] && v[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

static int names_grow(struct dlrun *r)
{
	size_t cap = r->names_cap ? 2 * r->names_cap : 1024, i;
	uint64_t *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->names_cap; i++)
		if (r->names[i])
			v[names_find(v, cap, r->names[i])] = r->names[i];
	free(r->names);
	r->names = v;
	r->names_cap = cap;
	return 0;
}

int dlrun_claim(struct dlrun *r, const char *name)
{
	uint64_t s = hash_fnv_str(HASH_FNV_INIT, name);
	uint64_t h1 = name_hash(s), h2 = name_hash(hash_fnv_str(s, ".part"));
	size_t i1, i2;
	int rc = 0;

	pthread_mutex_lock(&r->names_mu);
	if (4 * (r->names_n + 2) > 3 * r->names_cap && (rc = names_grow(r)))
		goto out;
	i1 = names_find(r->names, r->names_cap, h1);
	i2 = names_find(r->names, r->names_cap, h2);
	if (r->names[i1] || r->names[i2]) {
		rc = r->names[i1] ? -EEXIST : -EBUSY;
		goto out;
	}
	r->names[i1] = h1;
	r->names[names_find(r->names, r->names_cap, h2)] = h2;
	r->names_n += 2;
out:
	pthread_mutex_unlock(&r->names_mu);
	return rc;
}

static size_t sums_slot(const struct sum *v, size_t cap, const char *name)
{
	size_t i = (size_t)hash_mix64(hash_fnv_str(HASH_FNV_INIT, name)) &
		   (cap - 1);

	while (v[i].name && strcmp(v[i].name, name))
		i = (i + 1) & (cap - 1);
	return i;
}

int dlrun_add_sum(struct dlrun *r, const char *name,
		  const unsigned char sum[DLPARSE_SHA256_LEN])
{
	const char *base = strrchr(name, '/');
	size_t i;

	base = base ? base + 1 : name;
	if (2 * (r->sums_n + 1) > r->sums_cap) {
		size_t cap = r->sums_cap ? 2 * r->sums_cap : 64;
		struct sum *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (i = 0; i < r->sums_cap; i++)
			if (r->sums[i].name)
				v[sums_slot(v, cap, r->sums[i].name)] =
					r->sums[i];
		free(r->sums);
		r->sums = v;
		r->sums_cap = cap;
	}
	i = sums_slot(r->sums, r->sums_cap, base);
	if (r->sums[i].name)
		return memcmp(r->sums[i].d, sum, DLPARSE_SHA256_LEN) ?
		       -EEXIST : 0;
	r->sums[i].name = strdup(base);
	if (!r->sums[i].name)
		return -ENOMEM;
	memcpy(r->sums[i].d, sum, DLPARSE_SHA256_LEN);
	r->sums_n++;
	return 0;
}

const unsigned char *dlrun_sum(const struct dlrun *r, const char *name)
{
	size_t i;

	if (!r->sums_n)
		return NULL;
	i = sums_slot(r->sums, r->sums_cap, name);
	return r->sums[i].name ? r->sums[i].d : NULL;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access acc,
		       void *ud)
{
	struct dlrun *r = ud;

	(void)h;
	(void)acc;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&r->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	struct dlrun *r = ud;

	(void)h;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&r->locks[data]);
}

int dlrun_new(struct dlrun **out, const struct dlrun_config *cfg)
{
	struct dlrun *r;
	size_t i;
	int rc = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&r->locks[i], NULL);
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->rate_mu, NULL);
	pthread_mutex_init(&r->names_mu, NULL);
	clock_cond_init(&r->cond);
	atomic_init(&r->stop, 0);
	atomic_init(&r->bytes, 0);
	r->rate_next = 0;

	/* With a rate limit, read about an eighth of a second's worth at a
	 * time, so the bucket hands out small, even portions. */
	r->bufsize = DL_BUFSIZE;
	if (cfg->limit_rate > 0 && cfg->limit_rate / 8 < r->bufsize)
		r->bufsize = cfg->limit_rate / 8 < 1024 ? 1024 :
			     (long)(cfg->limit_rate / 8);

	for (i = 0; i < cfg->nheaders; i++) {
		struct curl_slist *l = libs.curl_slist_append(r->headers,
							      cfg->headers[i]);

		if (!l)
			goto out;
		r->headers = l;
	}
	r->share = libs.curl_share_init();
	if (!r->share)
		goto out;
#define SHSET(opt, val) libs.curl_share_setopt(r->share, opt, val)
	if (SHSET(CURLSHOPT_LOCKFUNC, share_lock) ||
	    SHSET(CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    SHSET(CURLSHOPT_USERDATA, r) ||
	    SHSET(CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    SHSET(CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION)) {
		rc = -ENOTSUP;
		goto out;
	}
#undef SHSET
	*out = r;
	r = NULL;
	rc = 0;
out:
	dlrun_free(r);
	return rc;
}

int dlrun_easy_setup(const struct dlrun *r, void *easy)
{
	const struct dlrun_config *c = &r->cfg;
	CURLcode e = CURLE_OK;

#define SET(opt, val)							\
	do {								\
		if (!e)							\
			e = libs.curl_easy_setopt(easy, opt, val);	\
	} while (0)
	SET(CURLOPT_SHARE, r->share);
	SET(CURLOPT_BUFFERSIZE, r->bufsize);
	if (c->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS,
		    (long)(c->connect_timeout * 1000 + 0.5));
	if (c->max_filesize > 0)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_filesize);
	if (c->user_agent)
		SET(CURLOPT_USERAGENT, c->user_agent);
	if (c->cacert)
		SET(CURLOPT_CAINFO, c->cacert);
	if (r->headers)
		SET(CURLOPT_HTTPHEADER, r->headers);
#undef SET
	if (e)
		return e == CURLE_OUT_OF_MEMORY ? -ENOMEM : -ENOTSUP;
	return 0;
}

const struct dlrun_config *dlrun_config(const struct dlrun *r)
{
	return &r->cfg;
}

void dlrun_waker_add(struct dlrun *r, struct dlrun_waker *w)
{
	pthread_mutex_lock(&r->mu);
	w->next = r->wakers;
	r->wakers = w;
	pthread_mutex_unlock(&r->mu);
}

void dlrun_waker_remove(struct dlrun *r, struct dlrun_waker *w)
{
	struct dlrun_waker **pp;

	pthread_mutex_lock(&r->mu);
	for (pp = &r->wakers; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	pthread_mutex_unlock(&r->mu);
}

void dlrun_stop(struct dlrun *r)
{
	struct dlrun_waker *w;

	pthread_mutex_lock(&r->mu);
	atomic_store(&r->stop, 1);
	pthread_cond_broadcast(&r->cond);
	for (w = r->wakers; w; w = w->next)
		libs.curl_multi_wakeup(w->multi);
	pthread_mutex_unlock(&r->mu);
}

int dlrun_stopped(const struct dlrun *r)
{
	return atomic_load_explicit(&r->stop, memory_order_relaxed);
}

void dlrun_add_bytes(struct dlrun *r, size_t n)
{
	atomic_fetch_add_explicit(&r->bytes, n, memory_order_relaxed);
}

unsigned long long dlrun_bytes(const struct dlrun *r)
{
	return atomic_load_explicit(&r->bytes, memory_order_relaxed);
}

void dlrun_free(struct dlrun *r)
{
	size_t i;

	if (!r)
		return;
	if (r->share)
		libs.curl_share_cleanup(r->share);
	if (r->headers)
		libs.curl_slist_free_all(r->headers);
	for (i = 0; i < r->sums_cap; i++)
		free(r->sums[i].name);
	free(r->sums);
	free(r->names);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&r->locks[i]);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->rate_mu);
	pthread_mutex_destroy(&r->names_mu);
	pthread_cond_destroy(&r->cond);
	free(r);
}

int dlrun_wait_until(struct dlrun *r, double t)
{
	int stopped;

	pthread_mutex_lock(&r->mu);
	while (!(stopped = atomic_load(&r->stop)) &&
	       clock_timedwait(&r->cond, &r->mu, t) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&r->mu);
	return stopped ? -EINTR : 0;
}

int dlrun_rate_take(struct dlrun *r, size_t n)
{
	double now, t;

	if (r->cfg.limit_rate <= 0)
		return 0;
	pthread_mutex_lock(&r->rate_mu);
	now = clock_now();
	if (r->rate_next < now - RATE_BURST)
		r->rate_next = now - RATE_BURST;
	r->rate_next += (double)n / (double)r->cfg.limit_rate;
	t = r->rate_next;
	pthread_mutex_unlock(&r->rate_mu);
	return t > now ? dlrun_wait_until(r, t) : 0;
}
