/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * The httpd symbols mod_cors.c refers to, so that the fuzz harnesses link
 * without httpd.  Written from the prototypes in httpd's headers:
 *
 * - where the harnesses depend on the behaviour, a real implementation:
 *   ap_cstr_casecmp[n] (ASCII case folding, as httpd's), the ap_regex API
 *   over PCRE2 (the flags mapped as httpd maps them, PCRE2_DUPNAMES always,
 *   AP_REG_DEFAULT added unless AP_REG_NO_DEFAULT; ap_regerror returns the
 *   size the message needs, as POSIX's), ap_set_flag_slot, and the file
 *   CORSAllowOriginFile reads (fuzz_set_config_file writes it into a
 *   directory of its own, which ap_server_root_relative puts before a
 *   relative name);
 * - everything else (hooks, filters, logging) does nothing: the harnesses
 *   never reach it.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_strings.h"
#include "apr_lib.h"

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "ap_regex.h"
#include "ap_mpm.h"
#include "mpm_common.h"

#include "fuzz.h"

/* --------------------------------------------------------------------- */
/* Strings                                                                */
/* --------------------------------------------------------------------- */

static int ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

AP_DECLARE(int) ap_cstr_casecmp(const char *s1, const char *s2)
{
    const unsigned char *a = (const unsigned char *)s1;
    const unsigned char *b = (const unsigned char *)s2;

    for (;; a++, b++) {
        int d = ascii_lower(*a) - ascii_lower(*b);
        if (d || !*a) {
            return d;
        }
    }
}

AP_DECLARE(int) ap_cstr_casecmpn(const char *s1, const char *s2, apr_size_t n)
{
    const unsigned char *a = (const unsigned char *)s1;
    const unsigned char *b = (const unsigned char *)s2;

    for (; n; n--, a++, b++) {
        int d = ascii_lower(*a) - ascii_lower(*b);
        if (d || !*a) {
            return d;
        }
    }
    return 0;
}

AP_DECLARE(char *) ap_escape_logitem(apr_pool_t *p, const char *str)
{
    return str ? apr_pstrdup(p, str) : NULL;
}

/* --------------------------------------------------------------------- */
/* Regular expressions over PCRE2                                         */
/* --------------------------------------------------------------------- */

AP_DECLARE(int) ap_regcomp(ap_regex_t *preg, const char *pattern, int cflags)
{
    uint32_t options = PCRE2_DUPNAMES, captures = 0;
    int error;
    PCRE2_SIZE offset;

    if (!(cflags & AP_REG_NO_DEFAULT)) {
        cflags |= AP_REG_DEFAULT;
    }
    if (cflags & AP_REG_ICASE) {
        options |= PCRE2_CASELESS;
    }
    if (cflags & AP_REG_NEWLINE) {
        options |= PCRE2_MULTILINE;
    }
    if (cflags & AP_REG_DOTALL) {
        options |= PCRE2_DOTALL;
    }
    if (cflags & AP_REG_DOLLAR_ENDONLY) {
        options |= PCRE2_DOLLAR_ENDONLY;
    }
    preg->re_pcre = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                  options, &error, &offset, NULL);
    preg->re_erroffset = offset;
    preg->re_nsub = 0;
    if (!preg->re_pcre) {
        return error == PCRE2_ERROR_NOMEMORY ? AP_REG_ESPACE : AP_REG_INVARG;
    }
    pcre2_pattern_info(preg->re_pcre, PCRE2_INFO_CAPTURECOUNT, &captures);
    preg->re_nsub = (int)captures;
    return 0;
}

AP_DECLARE(int) ap_regexec(const ap_regex_t *preg, const char *string,
                           apr_size_t nmatch, ap_regmatch_t *pmatch,
                           int eflags)
{
    pcre2_match_data *md;
    uint32_t options = 0;
    apr_size_t i;
    int rc;

    if (eflags & AP_REG_NOTBOL) {
        options |= PCRE2_NOTBOL;
    }
    if (eflags & AP_REG_NOTEOL) {
        options |= PCRE2_NOTEOL;
    }
    md = pcre2_match_data_create_from_pattern(preg->re_pcre, NULL);
    if (!md) {
        return AP_REG_ESPACE;
    }
    rc = pcre2_match(preg->re_pcre, (PCRE2_SPTR)string, strlen(string), 0,
                     options, md, NULL);
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t pairs = pcre2_get_ovector_count(md);
        for (i = 0; i < nmatch; i++) {
            if (i < pairs && ov[2 * i] != PCRE2_UNSET) {
                pmatch[i].rm_so = (int)ov[2 * i];
                pmatch[i].rm_eo = (int)ov[2 * i + 1];
            }
            else {
                pmatch[i].rm_so = pmatch[i].rm_eo = -1;
            }
        }
    }
    pcre2_match_data_free(md);
    if (rc >= 0) {
        return 0;
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
        return AP_REG_NOMATCH;
    }
    return rc == PCRE2_ERROR_NOMEMORY ? AP_REG_ESPACE : AP_REG_INVARG;
}

/* As POSIX regerror: returns the size the whole message needs, which may
 * be more than errbuf_size; the offset is padded to six characters. */
AP_DECLARE(apr_size_t) ap_regerror(int errcode, const ap_regex_t *preg,
                                   char *errbuf, apr_size_t errbuf_size)
{
    static const char *const messages[] = {
        "", "internal error", "out of memory", "invalid argument", "no match"
    };
    const char *message = (errcode >= 0 && errcode < 5) ? messages[errcode]
                                                         : "unknown error";
    apr_size_t need = strlen(message) + 1;
    apr_size_t extra = preg ? strlen(" at offset ") + 6 : 0;

    if (errbuf_size > 0) {
        if (extra && errbuf_size >= need + extra) {
            apr_snprintf(errbuf, errbuf_size, "%s at offset %-6d", message,
                         (int)preg->re_erroffset);
        }
        else {
            apr_cpystrn(errbuf, message, errbuf_size);
        }
    }
    return need + extra;
}

AP_DECLARE(void) ap_regfree(ap_regex_t *preg)
{
    pcre2_code_free(preg->re_pcre);
    preg->re_pcre = NULL;
}

static apr_status_t regex_cleanup(void *preg)
{
    ap_regfree(preg);
    return APR_SUCCESS;
}

AP_DECLARE(ap_regex_t *) ap_pregcomp(apr_pool_t *p, const char *pattern,
                                     int cflags)
{
    ap_regex_t *preg = apr_palloc(p, sizeof(*preg));

    if (ap_regcomp(preg, pattern, cflags)) {
        return NULL;
    }
    apr_pool_cleanup_register(p, preg, regex_cleanup, apr_pool_cleanup_null);
    return preg;
}

/* --------------------------------------------------------------------- */
/* Configuration                                                          */
/* --------------------------------------------------------------------- */

AP_DECLARE_NONSTD(const char *) ap_set_flag_slot(cmd_parms *cmd,
                                                 void *struct_ptr, int arg)
{
    int offset = (int)(apr_uintptr_t)cmd->info;

    *(int *)((char *)struct_ptr + offset) = arg ? 1 : 0;
    return NULL;
}

/* One file: what the harness set with fuzz_set_config_file, for
 * ap_pcfg_openfile, and written into config_dir for mod_cors's own
 * reading. */
static const char *config_file_name;
static const char *config_file_text;
static apr_size_t config_file_len;
static char config_dir[64];

AP_DECLARE(char *) ap_server_root_relative(apr_pool_t *p, const char *fname)
{
    if (config_dir[0] && fname[0] != '/') {
        return apr_pstrcat(p, config_dir, "/", fname, NULL);
    }
    return apr_pstrdup(p, fname);
}

void fuzz_set_config_file(const char *name, const char *text, apr_size_t len)
{
    config_file_name = name;
    config_file_text = text;
    config_file_len = len;
    if (!config_dir[0]) {
        snprintf(config_dir, sizeof(config_dir), "/tmp/mod_cors-fuzz.%ld",
                 (long)getpid());
        mkdir(config_dir, 0700);
    }
    if (name) {
        char path[256];
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", config_dir, name);
        f = fopen(path, "wb");
        if (f) {
            fwrite(text ? text : "", 1, text ? len : 0, f);
            fclose(f);
        }
    }
}

typedef struct {
    const char *text;
    apr_size_t len, pos;
} config_file_state;

AP_DECLARE(apr_status_t) ap_pcfg_openfile(ap_configfile_t **ret_cfg,
                                          apr_pool_t *p, const char *name)
{
    ap_configfile_t *cfp;
    config_file_state *state;

    if (!config_file_name || strcmp(name, config_file_name)) {
        return APR_ENOENT;
    }
    state = apr_pcalloc(p, sizeof(*state));
    state->text = config_file_text;
    state->len = config_file_len;
    cfp = apr_pcalloc(p, sizeof(*cfp));
    cfp->param = state;
    cfp->name = apr_pstrdup(p, name);
    *ret_cfg = cfp;
    return APR_SUCCESS;
}

/* Reads one line, leading and trailing white space stripped; APR_ENOSPC
 * when it does not fit, APR_EOF at the end. */
AP_DECLARE(apr_status_t) ap_cfg_getline(char *buf, apr_size_t bufsize,
                                        ap_configfile_t *cfp)
{
    config_file_state *state = cfp->param;
    apr_size_t start, end, len;

    if (state->pos >= state->len) {
        return APR_EOF;
    }
    start = state->pos;
    for (end = start; end < state->len && state->text[end] != '\n'; end++)
        ;
    state->pos = end + 1;
    cfp->line_number++;
    while (start < end && apr_isspace(state->text[start])) {
        start++;
    }
    while (end > start && apr_isspace(state->text[end - 1])) {
        end--;
    }
    len = end - start;
    if (len + 1 > bufsize) {
        return APR_ENOSPC;
    }
    memcpy(buf, state->text + start, len);
    buf[len] = '\0';
    return APR_SUCCESS;
}

AP_DECLARE(int) ap_cfg_closefile(ap_configfile_t *cfp)
{
    (void)cfp;
    return 1;
}

/* --------------------------------------------------------------------- */
/* Never reached by the harnesses                                         */
/* --------------------------------------------------------------------- */

AP_DECLARE(void) ap_log_error_(const char *file, int line, int module_index,
                               int level, apr_status_t status,
                               const server_rec *s, const char *fmt, ...)
{
    (void)file; (void)line; (void)module_index; (void)level; (void)status;
    (void)s; (void)fmt;
}

AP_DECLARE(void) ap_log_rerror_(const char *file, int line, int module_index,
                                int level, apr_status_t status,
                                const request_rec *r, const char *fmt, ...)
{
    (void)file; (void)line; (void)module_index; (void)level; (void)status;
    (void)r; (void)fmt;
}

AP_DECLARE(const char *) ap_run_http_scheme(const request_rec *r)
{
    (void)r;
    return "http";
}

AP_DECLARE(void) ap_set_content_length(request_rec *r, apr_off_t length)
{
    (void)r; (void)length;
}

AP_DECLARE(void) ap_hook_header_parser(ap_HOOK_header_parser_t *pf,
                                       const char * const *pre,
                                       const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(void) ap_hook_insert_filter(ap_HOOK_insert_filter_t *pf,
                                       const char * const *pre,
                                       const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(void) ap_hook_insert_error_filter(ap_HOOK_insert_error_filter_t *pf,
                                             const char * const *pre,
                                             const char * const *succ,
                                             int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(ap_filter_rec_t *) ap_register_output_filter(const char *name,
                                            ap_out_filter_func filter_func,
                                            ap_init_filter_func filter_init,
                                            ap_filter_type ftype)
{
    (void)name; (void)filter_func; (void)filter_init; (void)ftype;
    return NULL;
}

AP_DECLARE(ap_filter_t *) ap_add_output_filter(const char *name, void *ctx,
                                               request_rec *r, conn_rec *c)
{
    (void)name; (void)ctx; (void)r; (void)c;
    return NULL;
}

AP_DECLARE(ap_filter_t *) ap_add_output_filter_handle(ap_filter_rec_t *f,
                                                      void *ctx,
                                                      request_rec *r,
                                                      conn_rec *c)
{
    (void)f; (void)ctx; (void)r; (void)c;
    return NULL;
}

AP_DECLARE(void) ap_remove_output_filter(ap_filter_t *f)
{
    (void)f;
}

AP_DECLARE(apr_status_t) ap_pass_brigade(ap_filter_t *filter,
                                         apr_bucket_brigade *bucket)
{
    (void)filter; (void)bucket;
    return APR_SUCCESS;
}

AP_DECLARE(void) ap_hook_quick_handler(ap_HOOK_quick_handler_t *pf,
                                       const char * const *pre,
                                       const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(void) ap_run_insert_filter(request_rec *r)
{
    (void)r;
}

AP_DECLARE(void) ap_hook_child_init(ap_HOOK_child_init_t *pf,
                                    const char * const *pre,
                                    const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(void) ap_hook_monitor(ap_HOOK_monitor_t *pf,
                                 const char * const *pre,
                                 const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(apr_status_t) ap_mpm_query(int query_code, int *result)
{
    (void)query_code;
    *result = AP_MPMQ_NOT_SUPPORTED;
    return APR_SUCCESS;
}

AP_DECLARE(void) ap_str_toupper(char *s)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') {
            *s -= 'a' - 'A';
        }
    }
}

AP_DECLARE(void) ap_str_tolower(char *s)
{
    for (; *s; s++) {
        *s = (char)ascii_lower((unsigned char)*s);
    }
}

/* Whether tok is one of the comma-separated tokens of line, ignoring case
 * and the blanks around each. */
AP_DECLARE(int) ap_find_token(apr_pool_t *p, const char *line, const char *tok)
{
    apr_size_t len = strlen(tok);

    (void)p;
    while (*line) {
        const char *start, *end;
        while (*line == ' ' || *line == '\t' || *line == ',') {
            line++;
        }
        start = line;
        while (*line && *line != ',') {
            line++;
        }
        for (end = line; end > start && (end[-1] == ' ' || end[-1] == '\t'); end--)
            ;
        if ((apr_size_t)(end - start) == len && !ap_cstr_casecmpn(start, tok, len)) {
            return 1;
        }
    }
    return 0;
}

/* The counters' start-up and their mod_status page. */
AP_DECLARE_DATA server_rec *ap_server_conf;

AP_DECLARE(void) ap_hook_post_config(ap_HOOK_post_config_t *pf,
                                     const char * const *pre,
                                     const char * const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
}

AP_DECLARE(int) ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    (void)buf; (void)r;
    return nbyte;
}

AP_DECLARE_NONSTD(int) ap_rprintf(request_rec *r, const char *fmt, ...)
{
    (void)r; (void)fmt;
    return 0;
}

AP_DECLARE(char *) ap_escape_html2(apr_pool_t *p, const char *s, int toasc)
{
    (void)toasc;
    return apr_pstrdup(p, s);
}
