/*
 * The one thing Node cannot do itself: create a pseudo-terminal without a child process.
 *
 *   open(ptmx) -> { master, slave, path }
 *
 * - The master is non-blocking: Node reads it through libuv's event loop and writes it
 *   with writeSync, so a far side that stops reading gives EAGAIN, never a blocked loop.
 * - The slave stays open in this process for the pty's whole life: the master then never
 *   sees EIO (and /dev/pts/N never goes away) when firmware closes its side, so the
 *   firmware can close and reopen the device any number of times.
 * - The line is raw (cfmakeraw on the slave): no echo, no CR/LF translation, no signals.
 * - Both descriptors are close-on-exec: a child process never keeps the pty alive.
 *
 *   watch(path, onChange) -> { check(), close() }
 *
 * - Watches a device node for opens and closes (inotify IN_OPEN / IN_CLOSE_*), through
 *   the event loop (uv_poll on the inotify descriptor): onChange(events) runs with what
 *   happened since the last call, in order, as a string of 'o' (open) and 'c' (close). The emulator holds the slave itself, so the master
 *   never sees firmware come and go; this is how a reopen of the device is seen (for
 *   --reset-on-connect). check() reads what is pending at once, so a caller can take in
 *   an open before the bytes the opener wrote after it. The watch does not keep the
 *   process alive.
 *
 * Errors are thrown as "<step>: <strerror>" so the caller can say in one line what failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

static napi_value fail(napi_env env, const char *step, int err) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", step, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int set_int(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  return napi_create_int32(env, value, &v) == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static napi_value open_pty(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char ptmx[256] = "/dev/ptmx";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) {
    size_t len = 0;
    if (napi_get_value_string_utf8(env, argv[0], ptmx, sizeof ptmx, &len) != napi_ok) {
      napi_throw_type_error(env, NULL, "open(ptmx): ptmx must be a string");
      return NULL;
    }
  }

  int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (master < 0) return fail(env, ptmx, errno);
  char name[128];
  int slave = -1;
  const char *step = NULL;
  if (grantpt(master) != 0) step = "grantpt";
  else if (unlockpt(master) != 0) step = "unlockpt";
  else if (ptsname_r(master, name, sizeof name) != 0) step = "ptsname";
  else if ((slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) step = name;
  if (step == NULL) {
    struct termios t;
    if (tcgetattr(slave, &t) != 0) step = "tcgetattr";
    else {
      cfmakeraw(&t);
      t.c_cc[VMIN] = 1;
      t.c_cc[VTIME] = 0;
      if (tcsetattr(slave, TCSANOW, &t) != 0) step = "tcsetattr";
    }
  }
  if (step != NULL) {
    int err = errno;
    if (slave >= 0) close(slave);
    close(master);
    return fail(env, step, err);
  }

  napi_value result, path;
  if (napi_create_object(env, &result) != napi_ok || napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &path) != napi_ok ||
      napi_set_named_property(env, result, "path", path) != napi_ok || !set_int(env, result, "master", master) ||
      !set_int(env, result, "slave", slave)) {
    close(slave);
    close(master);
    return NULL;
  }
  return result;
}


/* ---- watch(path, onChange) ------------------------------------------------------------ */

typedef struct {
  uv_poll_t poll;
  int fd;
  int closed;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} watch_t;

/* Reads every pending inotify event into `out` as 'o' (open) and 'c' (close), in order. */
static size_t drain_events(watch_t *w, char *out, size_t cap) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  size_t n_out = 0;
  for (;;) {
    ssize_t n = read(w->fd, buf, sizeof buf);
    if (n <= 0) return n_out; /* EAGAIN: nothing more */
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      if ((ev->mask & IN_OPEN) && n_out < cap) out[n_out++] = 'o';
      if ((ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) && n_out < cap) out[n_out++] = 'c';
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
}

/* Calls onChange(events) when anything happened. */
static void deliver(watch_t *w, int in_js) {
  char events[1024];
  size_t n = drain_events(w, events, sizeof events);
  if (n == 0) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, result;
  if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb != NULL && napi_get_global(env, &recv) == napi_ok &&
      napi_create_string_latin1(env, events, n, &arg) == napi_ok) {
    /* From the event loop, make_callback runs the callback scope (microtasks, nextTicks);
       from inside a JS call, a plain call. */
    napi_status st = in_js ? napi_call_function(env, recv, cb, 1, &arg, &result) : napi_make_callback(env, w->context, recv, cb, 1, &arg, &result);
    if (st == napi_pending_exception && !in_js) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)events;
  watch_t *w = handle->data;
  if (w->closed || status < 0) return;
  deliver(w, 0);
}

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

static watch_t *watch_of(napi_env env, napi_callback_info info) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, &data) != napi_ok) return NULL;
  return data;
}

static napi_value watch_check(napi_env env, napi_callback_info info) {
  watch_t *w = watch_of(env, info);
  if (w != NULL && !w->closed) deliver(w, 1);
  return NULL;
}

static napi_value watch_close(napi_env env, napi_callback_info info) {
  watch_t *w = watch_of(env, info);
  if (w == NULL || w->closed) return NULL;
  w->closed = 1;
  uv_poll_stop(&w->poll);
  close(w->fd);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
  return NULL;
}

static napi_value watch_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char path[256];
  size_t len = 0;
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || napi_typeof(env, argv[1], &type) != napi_ok ||
      type != napi_function) {
    napi_throw_type_error(env, NULL, "watch(path, onChange): a path and a function");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail(env, "inotify_init1", errno);
  if (inotify_add_watch(fd, path, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
    int err = errno;
    close(fd);
    return fail(env, path, err);
  }
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    close(fd);
    return fail(env, "watch", ENOMEM);
  }
  w->fd = fd;
  w->env = env;
  napi_value name;
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok ||
      napi_create_string_utf8(env, "sim800_pty.watch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->context) != napi_ok || uv_poll_init(loop, &w->poll, fd) != 0) {
    close(fd);
    free(w);
    napi_throw_error(env, NULL, "watch: cannot set up the event loop handle");
    return NULL;
  }
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, on_poll);
  uv_unref((uv_handle_t *)&w->poll);

  napi_value result, check, closer;
  if (napi_create_object(env, &result) != napi_ok || napi_create_function(env, "check", NAPI_AUTO_LENGTH, watch_check, w, &check) != napi_ok ||
      napi_create_function(env, "close", NAPI_AUTO_LENGTH, watch_close, w, &closer) != napi_ok ||
      napi_set_named_property(env, result, "check", check) != napi_ok || napi_set_named_property(env, result, "close", closer) != napi_ok)
    return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_pty, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "open", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "watch", NAPI_AUTO_LENGTH, watch_device, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "watch", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
