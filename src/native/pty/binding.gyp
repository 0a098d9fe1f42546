{
  "targets": [
    {
      "target_name": "sim800_pty",
      "sources": ["pty.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
