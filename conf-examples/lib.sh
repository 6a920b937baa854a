# Shell functions shared by check.sh and run-demo.sh (sourced, not run).
#
# Each example names the modules it needs, besides mod_cors, on a line
#     # Modules besides mod_cors: authz_core alias ...
# (or "none"), with the names a2enmod uses.  These functions wrap an example
# in a minimal server configuration that loads exactly those modules from
# httpd's module directory, plus an MPM (mpm_event unless the example names
# one) and the mod_cors.so under test.

APXS=${APXS:-apxs}

# Sets HTTPD (the server binary) and MODULES_DIR from apxs, falling back to
# Debian's paths when apxs (apache2-dev) is not installed.
find_httpd() {
    local sbindir target
    if command -v "$APXS" >/dev/null 2>&1; then
        sbindir=$("$APXS" -q SBINDIR)
        target=$("$APXS" -q TARGET)
        HTTPD=$sbindir/$target
        MODULES_DIR=$("$APXS" -q LIBEXECDIR)
    else
        HTTPD=/usr/sbin/apache2
        MODULES_DIR=/usr/lib/apache2/modules
    fi
    if [ ! -x "$HTTPD" ]; then
        echo "cannot find the httpd binary ($HTTPD): install apache2" >&2
        return 1
    fi
}

# Prints the modules an example needs, from its "# Modules besides
# mod_cors:" line; fails when the line is missing.
example_modules() {
    local line
    line=$(sed -n 's/^# Modules besides mod_cors:[[:space:]]*//p' "$1" | head -n 1)
    if [ -z "$line" ]; then
        echo "$1 has no '# Modules besides mod_cors:' line" >&2
        return 1
    fi
    [ "$line" = none ] || echo "$line"
}

# Prints a minimal server configuration for an example, without the example
# itself (the caller adds an Include, or copies an .htaccess file):
#   [WRAPPER_MODULES="..."] wrapper_conf EXAMPLE MOD_CORS_SO SERVER_ROOT [DIRECTIVE ...]
# WRAPPER_MODULES names modules that the extra directives need; these are
# written one a line at the end.
wrapper_conf() {
    local example=$1 so=$2 root=$3 modules m mpm=mpm_event builtin
    shift 3
    modules=$(example_modules "$example") || return 1
    modules=$(printf '%s\n' $modules ${WRAPPER_MODULES:-} | awk 'NF && !seen[$0]++')
    for m in $modules; do
        case $m in mpm_*) mpm=$m ;; esac
    done
    builtin=$("$HTTPD" -l)

    echo "ServerRoot \"$root\""
    echo "DefaultRuntimeDir \"$root\""
    echo "PidFile \"$root/httpd.pid\""
    echo "ErrorLog \"$root/error.log\""
    echo "ServerName 127.0.0.1"
    echo "LoadModule ${mpm}_module \"$MODULES_DIR/mod_$mpm.so\""
    for m in $modules; do
        case $m in mpm_*) continue ;; esac
        # Modules compiled into httpd (log_config on Debian) cannot be
        # loaded again.
        case $builtin in *" mod_$m.c"*) continue ;; esac
        echo "LoadModule ${m}_module \"$MODULES_DIR/mod_$m.so\""
    done
    echo "LoadModule cors_module \"$so\""
    # As root, httpd's children must run as some other user.
    if [ "$(id -u)" = 0 ]; then
        if id www-data >/dev/null 2>&1; then
            echo "User www-data"
            echo "Group www-data"
        else
            echo "User nobody"
            echo "Group nogroup"
        fi
    fi
    for m in "$@"; do
        echo "$m"
    done
}

# Prints a TCP port that is free on 127.0.0.1 now.
free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
                                     LocalPort => 0, ReuseAddr => 1)->sockport'
}

# Absolute path of a file.
absolute_path() {
    case $1 in
        /*) echo "$1" ;;
        *) echo "$(pwd)/$1" ;;
    esac
}
