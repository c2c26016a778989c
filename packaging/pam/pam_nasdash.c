/*
 * pam_nasdash.so: the SSH door of NasDash's one ledger (issue 25). It asks for the authenticator code through the
 * PAM conversation and lets NasDash decide it, exactly as the web's TOTP step would (same failure counter, same
 * replay memory, same lockout): first the running server over its console socket (root only; the socket and its
 * peer must belong to the owner of the data directory), else `nasdash console ssh-code`, which opens the store.
 * Where neither answers it refuses and says why. No shell, fixed argv and environment, bounded reads, timeouts.
 *
 *   auth required pam_nasdash.so [data=/var/lib/nasdash] [nasdash=/usr/bin/nasdash] [timeout=20]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define PROMPT "Authenticator code: "
#define MAX_USER 32
#define MAX_CODE 16
#define MAX_RHOST 255
#define MAX_REPLY 8192
#define MAX_MESSAGE 1024

enum answer { ANSWER_YES, ANSWER_NO, ANSWER_NONE, ANSWER_ERROR };

struct options {
    const char *data;
    const char *nasdash;
    int timeout;
};

static void parse_options(int argc, const char **argv, struct options *o, pam_handle_t *pamh)
{
    o->data = "/var/lib/nasdash";
    o->nasdash = "/usr/bin/nasdash";
    o->timeout = 20;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "data=", 5) == 0 && argv[i][5] == '/')
            o->data = argv[i] + 5;
        else if (strncmp(argv[i], "nasdash=", 8) == 0 && argv[i][8] == '/')
            o->nasdash = argv[i] + 8;
        else if (strncmp(argv[i], "timeout=", 8) == 0 && atoi(argv[i] + 8) > 0 && atoi(argv[i] + 8) <= 120)
            o->timeout = atoi(argv[i] + 8);
        else
            pam_syslog(pamh, LOG_ERR, "unknown or malformed option: %s", argv[i]);
    }
}

/* NasDash's user names (UserNameRules): 1 to 32 of [a-z0-9._-], starting with a letter. */
static int valid_user(const char *user)
{
    size_t n = strlen(user);
    if (n < 1 || n > MAX_USER || user[0] < 'a' || user[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = user[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* The code as typed, without spaces: digits only, at most MAX_CODE of them; 0 when it is not that. */
static int clean_code(const char *typed, char *code)
{
    size_t n = 0;
    for (const char *p = typed; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (*p < '0' || *p > '9' || n == MAX_CODE)
            return 0;
        code[n++] = *p;
    }
    code[n] = '\0';
    return n > 0;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Appends s to buf (size cap) as a JSON string body; control and non-ASCII bytes become \u00XX or '?'. */
static void json_append(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c < 0x20 ? c : '?');
        } else {
            buf[n++] = (char)c;
        }
    }
    buf[n] = '\0';
}

/* The string value of "key" in a flat JSON object, unescaped into out (non-ASCII as UTF-8); 0 when absent. */
static int json_string(const char *json, const char *key, char *out, size_t cap)
{
    char pattern[32];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (!p)
        return 0;
    p += strlen(pattern);
    size_t n = 0;
    while (*p && *p != '"' && n + 4 < cap) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': out[n++] = ' '; p++; break;
        case 't': out[n++] = ' '; p++; break;
        case 'u': {
            unsigned v = 0;
            if (sscanf(p + 1, "%4x", &v) != 1)
                return 0;
            p += 5;
            if (v < 0x20)
                out[n++] = ' ';
            else if (v < 0x80)
                out[n++] = (char)v;
            else if (v < 0x800) {
                out[n++] = (char)(0xc0 | (v >> 6));
                out[n++] = (char)(0x80 | (v & 0x3f));
            } else if (v >= 0xd800 && v < 0xe000) {
                out[n++] = '?';
            } else {
                out[n++] = (char)(0xe0 | (v >> 12));
                out[n++] = (char)(0x80 | ((v >> 6) & 0x3f));
                out[n++] = (char)(0x80 | (v & 0x3f));
            }
            break;
        }
        case '\0': return 0;
        default: out[n++] = *p++; break;
        }
    }
    out[n] = '\0';
    return *p == '"';
}

/* Reads until EOF, a newline or the deadline; at most cap-1 bytes. Returns bytes read, or -1 on timeout/error. */
static ssize_t read_until(int fd, char *buf, size_t cap, long long deadline, int stop_at_newline)
{
    size_t n = 0;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (n + 1 >= cap)
            break;
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        n += (size_t)got;
        buf[n] = '\0';
        if (stop_at_newline && memchr(buf, '\n', n))
            break;
    }
    buf[n] = '\0';
    return (ssize_t)n;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* The server's answer over data/console.sock. ANSWER_NONE when no server listens there. */
static enum answer ask_server(const struct options *o, const char *user, const char *code, const char *rhost,
                              char *message, size_t cap)
{
    struct stat dir, sock;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (snprintf(path, sizeof path, "%s/console.sock", o->data) >= (int)sizeof path) {
        snprintf(message, cap, "the data directory path %s is too long", o->data);
        return ANSWER_ERROR;
    }
    if (stat(o->data, &dir) != 0 || !S_ISDIR(dir.st_mode)) {
        snprintf(message, cap, "the NasDash data directory %s does not exist", o->data);
        return ANSWER_ERROR;
    }
    if (dir.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(message, cap, "%s may be written by other users than its owner", o->data);
        return ANSWER_ERROR;
    }
    if (lstat(path, &sock) != 0)
        return ANSWER_NONE;
    if (!S_ISSOCK(sock.st_mode) || sock.st_uid != dir.st_uid) {
        snprintf(message, cap, "%s is not a socket of the data directory's owner", path);
        return ANSWER_ERROR;
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(message, cap, "socket: %s", strerror(errno));
        return ANSWER_ERROR;
    }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    memcpy(addr.sun_path, path, strlen(path) + 1);
    struct timeval tv = { .tv_sec = o->timeout };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(fd);
        /* A socket file left by a server that is gone. */
        if (e == ECONNREFUSED || e == ENOENT)
            return ANSWER_NONE;
        snprintf(message, cap, "cannot connect to %s: %s", path, strerror(e));
        return ANSWER_ERROR;
    }
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != dir.st_uid) {
        close(fd);
        snprintf(message, cap, "the process behind %s does not run as the data directory's owner", path);
        return ANSWER_ERROR;
    }

    char request[1024] = "{\"verb\":\"ssh-code\",\"actor\":\"pam_nasdash\",\"user\":\"";
    json_append(request, sizeof request, user);
    strncat(request, "\",\"password\":\"", sizeof request - strlen(request) - 1);
    json_append(request, sizeof request, code);
    strncat(request, "\",\"client\":\"", sizeof request - strlen(request) - 1);
    json_append(request, sizeof request, rhost);
    strncat(request, "\"}\n", sizeof request - strlen(request) - 1);

    char reply[MAX_REPLY];
    enum answer result = ANSWER_ERROR;
    if (write_all(fd, request, strlen(request)) != 0 || shutdown(fd, SHUT_WR) != 0) {
        snprintf(message, cap, "the server closed %s: %s", path, strerror(errno));
    } else if (read_until(fd, reply, sizeof reply, now_ms() + o->timeout * 1000LL, 1) <= 0) {
        snprintf(message, cap, "the server did not answer within %d s", o->timeout);
    } else {
        char outcome[32];
        if (!json_string(reply, "outcome", outcome, sizeof outcome) || !json_string(reply, "message", message, cap))
            snprintf(message, cap, "the server's answer could not be read");
        else
            result = strcmp(outcome, "Done") == 0 ? ANSWER_YES : ANSWER_NO;
    }
    explicit_bzero(request, sizeof request);
    close(fd);
    return result;
}

/* `nasdash console --data DIR ssh-code USER [--client RHOST]`, the code on its standard input: exit 0 yes, 1 no. */
static enum answer ask_console(const struct options *o, const char *user, const char *code, const char *rhost,
                               char *message, size_t cap)
{
    if (access(o->nasdash, X_OK) != 0) {
        snprintf(message, cap, "no NasDash server runs and %s cannot be run", o->nasdash);
        return ANSWER_ERROR;
    }
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return snprintf(message, cap, "pipe: %s", strerror(errno)), ANSWER_ERROR;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return snprintf(message, cap, "pipe: %s", strerror(errno)), ANSWER_ERROR;
    }

    char *const argv[] = { (char *)o->nasdash, "console", "--data", (char *)o->data, "ssh-code", (char *)user,
                           "--client", (char *)(*rhost ? rhost : "unknown"), NULL };
    char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
                           "DOTNET_CLI_TELEMETRY_OPTOUT=1", NULL };
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(message, cap, "fork: %s", strerror(errno));
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        return ANSWER_ERROR;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
            _exit(127);
        closefrom(3);
        execve(o->nasdash, argv, envp);
        _exit(127);
    }

    close(in[0]);
    close(out[1]);
    char line[MAX_CODE + 2];
    snprintf(line, sizeof line, "%s\n", code);
    /* The pipe holds far more than a code, so this never blocks on a child that does not read. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    write_all(in[1], line, strlen(line));
    explicit_bzero(line, sizeof line);
    close(in[1]);
    signal(SIGPIPE, old);

    char output[MAX_REPLY];
    long long deadline = now_ms() + o->timeout * 1000LL;
    ssize_t got = read_until(out[0], output, sizeof output, deadline, 0);
    close(out[0]);
    int status = 0;
    pid_t done;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
        usleep(10000);
    if (done != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        snprintf(message, cap, "no NasDash server runs and '%s console ssh-code' did not answer within %d s", o->nasdash, o->timeout);
        return ANSWER_ERROR;
    }

    /* The last line printed: the verdict ("Code accepted ...") or "nasdash console: <why>". */
    while (got > 0 && (output[got - 1] == '\n' || output[got - 1] == '\r'))
        output[--got] = '\0';
    const char *last = got > 0 ? output : "";
    for (const char *p = output; got > 0 && *p; p++)
        if (*p == '\n')
            last = p + 1;
    const char *prefix = "nasdash console: ";
    if (strncmp(last, prefix, strlen(prefix)) == 0)
        last += strlen(prefix);
    size_t m = strnlen(last, cap - 1);
    memcpy(message, last, m);
    message[m] = '\0';
    for (char *p = message; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return ANSWER_YES;
    /* 1: refused, for the reason printed (a wrong code, or a store that cannot be opened). */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && *message)
        return ANSWER_NO;
    if (!*message)
        snprintf(message, cap, "'%s console ssh-code' failed (status %d)", o->nasdash, status);
    return ANSWER_ERROR;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags;
    struct options o;
    parse_options(argc, argv, &o, pamh);

    const char *user = NULL;
    if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
        return PAM_USER_UNKNOWN;
    if (!valid_user(user)) {
        pam_error(pamh, "NasDash: %s is not a NasDash administrator's name; with 2FA for SSH only administrators sign in by SSH.", user);
        return PAM_USER_UNKNOWN;
    }
    const void *item = NULL;
    char rhost[MAX_RHOST + 1] = "";
    if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS && item != NULL)
        snprintf(rhost, sizeof rhost, "%s", (const char *)item);

    char *typed = NULL;
    if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &typed, PROMPT) != PAM_SUCCESS || typed == NULL)
        return PAM_CONV_ERR;
    char code[MAX_CODE + 1];
    int shaped = clean_code(typed, code);
    explicit_bzero(typed, strlen(typed));
    free(typed);
    if (!shaped) {
        pam_error(pamh, "NasDash: enter the 6-digit code from your authenticator app.");
        return PAM_AUTH_ERR;
    }

    char message[MAX_MESSAGE] = "";
    enum answer a = ask_server(&o, user, code, rhost, message, sizeof message);
    const char *via = "server";
    if (a == ANSWER_NONE) {
        via = "store";
        a = ask_console(&o, user, code, rhost, message, sizeof message);
    }
    explicit_bzero(code, sizeof code);

    switch (a) {
    case ANSWER_YES:
        pam_syslog(pamh, LOG_INFO, "code accepted for %s from %s (via the %s)", user, *rhost ? rhost : "unknown", via);
        return PAM_SUCCESS;
    case ANSWER_NO:
        pam_syslog(pamh, LOG_NOTICE, "code refused for %s from %s (via the %s): %s", user, *rhost ? rhost : "unknown", via, message);
        pam_error(pamh, "NasDash: %s", message);
        return PAM_AUTH_ERR;
    default:
        pam_syslog(pamh, LOG_ERR, "cannot check the code of %s: %s", user, message);
        pam_error(pamh, "NasDash cannot check your code: %s. Refused; at the appliance, check 'systemctl status nasdash'.", message);
        return PAM_AUTHINFO_UNAVAIL;
    }
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_SUCCESS;
}
