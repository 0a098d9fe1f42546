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
 * Errors are thrown as "<step>: <strerror>" so the caller can say in one line what failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <node_api.h>

static napi_value fail(napi_env env, const char *step, int err) {
  char msg[256];
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_pty, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "open", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
