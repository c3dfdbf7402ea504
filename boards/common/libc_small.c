/*
 * libc_small.c - small stand-ins for the newlib functions the microcontroller firmware calls, linked before
 * newlib-nano so that its versions stay out (boards/mps2-an386 and boards/nrf52840; the posix and ESP32
 * boards use their C library).
 *
 * newlib-nano's snprintf/vsnprintf engine is about 2.2 KB of Cortex-M4 flash, its strcmp (unrolled for
 * speed) 732 B, strchr 206 B and strncmp 130 B; these are about 0.6 KB together. The firmware formats short
 * lines (reports, log lines, error texts) and compares names at load, so speed does not matter here.
 *
 * The formatting does what the firmware's format strings use, as C99 says: the flags '-' and '0', a field
 * width and a precision (digits or '*'), the lengths hh, h, l, ll, z, and the conversions d i u x X c s %.
 * 64-bit integers (ll) are formatted too, which newlib-nano's does not. Anything else (floating point, the
 * flags ' ', '+', '#', p, n) is written out as it stands in the format, its argument not taken (so the
 * arguments after it no longer match: the firmware uses none). test/libc-small.test.ts holds it to the
 * host's C library on every format the firmware uses and on a set of widths, precisions and values.
 *
 * Compiled without link-time optimization and without builtins (tools/build-mps2.sh): the compiler must not
 * turn these loops into calls of the functions they define.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *p;
  size_t cap, len; /* len counts every character, also those past cap - 1 (the return value) */
} out_t;

static void put(out_t *o, char c) {
  if (o->len + 1 < o->cap) o->p[o->len] = c;
  o->len++;
}

static void pad(out_t *o, char c, int n) {
  while (n-- > 0) put(o, c);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  out_t o = {buf, cap, 0};
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') { put(&o, *f); continue; }
    const char *start = f++;
    int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
    for (;; f++) {
      if (*f == '-') left = 1;
      else if (*f == '0') zero = 1;
      else break;
    }
    if (*f == '*') { width = va_arg(ap, int); if (width < 0) { left = 1; width = -width; } f++; }
    else while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    if (*f == '.') {
      f++;
      prec = 0;
      if (*f == '*') { prec = va_arg(ap, int); f++; }
      else while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
    }
    if (*f == 'h') { lng = -1; f++; if (*f == 'h') { lng = -2; f++; } } /* promoted to int: narrowed below */
    else if (*f == 'l') { lng = 1; f++; if (*f == 'l') { lng = 2; f++; } }
    else if (*f == 'z') { lng = sizeof(size_t) > sizeof(int) ? 1 : 0; f++; }

    char digits[24];
    const char *s = digits;
    int n = 0, neg = 0;
    char c = *f;
    if (c == '%') { put(&o, '%'); continue; }
    if (c == 's' || c == 'c') {
      if (c == 's') { s = va_arg(ap, const char *); if (!s) s = "(null)"; while ((prec < 0 || n < prec) && s[n]) n++; }
      else { digits[0] = (char)va_arg(ap, int); n = 1; }
      if (!left) pad(&o, ' ', width - n);
      for (int i = 0; i < n; i++) put(&o, s[i]);
      if (left) pad(&o, ' ', width - n);
      continue;
    }
    if (c != 'd' && c != 'i' && c != 'u' && c != 'x' && c != 'X') { /* not ours: as it stands */
      for (const char *q = start; q <= f && *q; q++) put(&o, *q);
      if (!*f) break;
      continue;
    }
    unsigned long long v;
    if (c == 'd' || c == 'i') {
      long long x = lng == 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
      if (lng < 0) x = lng == -2 ? (signed char)x : (short)x;
      neg = x < 0;
      v = neg ? 0ull - (unsigned long long)x : (unsigned long long)x;
    } else {
      v = lng == 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      if (lng < 0) v = lng == -2 ? (unsigned char)v : (unsigned short)v;
    }
    unsigned base = c == 'd' || c == 'i' || c == 'u' ? 10 : 16;
    const char *set = c == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    while (v) { digits[sizeof digits - 1 - n++] = set[v % base]; v /= base; }
    s = digits + sizeof digits - n;
    if (prec < 0) prec = 1; else zero = 0; /* a precision turns the 0 flag off */
    int zeros = prec > n ? prec - n : 0;
    int body = n + zeros + neg;
    if (zero && !left && width > body) { zeros += width - body; body = width; }
    if (!left) pad(&o, ' ', width - body);
    if (neg) put(&o, '-');
    pad(&o, '0', zeros);
    for (int i = 0; i < n; i++) put(&o, s[i]);
    if (left) pad(&o, ' ', width - body);
  }
  if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
  return (int)o.len;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b || !*a) return (unsigned char)*a - (unsigned char)*b;
  }
  return 0;
}

char *strchr(const char *s, int c) {
  for (;; s++) {
    if (*s == (char)c) return (char *)s;
    if (!*s) return NULL;
  }
}
