/* mod_cors_floor: the floor of bench/run.sh (bench/README.md, "The floor").
 * A test-only module, never to be installed: it sets exactly the response
 * headers that mod_cors sends in the benchmark's configuration, with no
 * decision at all, neither the Origin nor any configuration read per request.
 * What it costs is what httpd spends on writing those headers, which any
 * CORS implementation spends too; what mod_cors costs above it is the price
 * of deciding.
 *
 *   CORSFloor Allowed   a request that is not OPTIONS gets, in fixups,
 *                       Access-Control-Allow-Origin, -Allow-Credentials,
 *                       -Expose-Headers and Vary: Origin (an allowed
 *                       credentialed GET); an OPTIONS is answered in
 *                       header_parser with DONE, 204 and the six fields of an
 *                       allowed preflight
 *   CORSFloor Vary      Vary: Origin alone, in fixups (a denied origin, or no
 *                       Origin)
 *   CORSFloor Off       nothing (the default)
 *
 * The values are those of the benchmark's mod_cors configuration for the
 * origin https://app.example.com. */

#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "apr_tables.h"

module AP_MODULE_DECLARE_DATA cors_floor_module;

typedef enum {
    FLOOR_UNSET = -1,
    FLOOR_OFF = 0,
    FLOOR_ALLOWED,
    FLOOR_VARY
} floor_mode;

typedef struct {
    floor_mode mode;
} floor_dir_conf;

#define FLOOR_ORIGIN "https://app.example.com"

static void *create_floor_dir_config(apr_pool_t *p, char *dir)
{
    floor_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->mode = FLOOR_UNSET;
    return conf;
}

static void *merge_floor_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    const floor_dir_conf *base = basev, *add = addv;
    floor_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mode = add->mode != FLOOR_UNSET ? add->mode : base->mode;
    return conf;
}

static const char *set_floor(cmd_parms *cmd, void *dconf, const char *value)
{
    floor_dir_conf *conf = dconf;

    (void)cmd;
    if (!strcasecmp(value, "Allowed")) {
        conf->mode = FLOOR_ALLOWED;
    }
    else if (!strcasecmp(value, "Vary")) {
        conf->mode = FLOOR_VARY;
    }
    else if (!strcasecmp(value, "Off")) {
        conf->mode = FLOOR_OFF;
    }
    else {
        return apr_pstrcat(cmd->pool, "CORSFloor '", value,
                           "': use Allowed, Vary or Off", NULL);
    }
    return NULL;
}

static const command_rec floor_cmds[] = {
    AP_INIT_TAKE1("CORSFloor", set_floor, NULL, OR_FILEINFO,
                  "Allowed (the fields of an allowed credentialed GET, an "
                  "OPTIONS answered as an allowed preflight), Vary (Vary: "
                  "Origin alone) or Off"),
    { NULL }
};

static floor_mode floor_mode_of(request_rec *r)
{
    const floor_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                      &cors_floor_module);
    return conf->mode == FLOOR_UNSET ? FLOOR_OFF : conf->mode;
}

/* header_parser: an OPTIONS answered at once, as mod_cors answers an allowed
 * preflight (204, no body). */
static int floor_header_parser(request_rec *r)
{
    apr_table_t *h = r->headers_out;

    if (r->method_number != M_OPTIONS || r->prev
        || floor_mode_of(r) != FLOOR_ALLOWED) {
        return DECLINED;
    }
    apr_table_addn(h, "Access-Control-Allow-Origin", FLOOR_ORIGIN);
    apr_table_addn(h, "Access-Control-Allow-Credentials", "true");
    apr_table_addn(h, "Access-Control-Allow-Methods",
                   "GET, POST, PUT, DELETE");
    apr_table_addn(h, "Access-Control-Allow-Headers", "Content-Type");
    apr_table_addn(h, "Access-Control-Max-Age", "600");
    apr_table_mergen(h, "Vary", "Origin, Access-Control-Request-Method, "
                                "Access-Control-Request-Headers");
    r->status = HTTP_NO_CONTENT;
    return DONE;
}

/* fixups: the fields of an actual request's answer. */
static int floor_fixups(request_rec *r)
{
    apr_table_t *h = r->headers_out;

    switch (floor_mode_of(r)) {
    case FLOOR_ALLOWED:
        apr_table_addn(h, "Access-Control-Allow-Origin", FLOOR_ORIGIN);
        apr_table_addn(h, "Access-Control-Allow-Credentials", "true");
        apr_table_addn(h, "Access-Control-Expose-Headers", "X-Request-Id");
        apr_table_mergen(h, "Vary", "Origin");
        break;
    case FLOOR_VARY:
        apr_table_mergen(h, "Vary", "Origin");
        break;
    default:
        break;
    }
    return DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_header_parser(floor_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(floor_fixups, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA cors_floor_module = {
    STANDARD20_MODULE_STUFF,
    create_floor_dir_config,    /* create per-directory config */
    merge_floor_dir_config,     /* merge per-directory config */
    NULL,                       /* create per-server config */
    NULL,                       /* merge per-server config */
    floor_cmds,                 /* command table */
    register_hooks,             /* register hooks */
    0                           /* flags */
};
