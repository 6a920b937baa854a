/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * For memory checkers only, never for a production build: makes each of
 * mod_cors's apr_palloc (and apr_pcalloc, a macro over it) calls a malloc
 * of exactly the size asked for, freed by a cleanup of the pool.
 *
 * APR pools carve many allocations out of large blocks, so neither
 * AddressSanitizer nor Valgrind sees a write past the end of what
 * mod_cors asked for, nor a read of a pool's memory after the pool is
 * gone.  With this shim both are reported where they happen.  Only
 * mod_cors's own calls change: APR's functions (apr_pstrcat, tables,
 * hashes) keep their pools.
 *
 * Used by fuzz/fuzz.h, and by fuzz/sanitize/run.sh with gcc -include.
 */

#ifndef MOD_CORS_POOL_SHIM_H
#define MOD_CORS_POOL_SHIM_H

#include <stddef.h>     /* before APR: APR_OFFSETOF is then offsetof */
#include <stdlib.h>

#include "apr_pools.h"

static inline apr_status_t cors_shim_free(void *block)
{
    free(block);
    return APR_SUCCESS;
}

static inline void *cors_shim_palloc(apr_pool_t *p, apr_size_t size)
{
    void *block = malloc(size ? size : 1);

    if (!block) {
        abort();
    }
    apr_pool_cleanup_register(p, block, cors_shim_free,
                              apr_pool_cleanup_null);
    return block;
}

#define apr_palloc cors_shim_palloc

#endif /* MOD_CORS_POOL_SHIM_H */
