/*
 * boards/common/libc_small.c against the host's C library: its functions are compiled under other names
 * (small_*, test/libc-small.test.ts) and every case below is formatted or compared by both, at several
 * buffer sizes. Prints each difference and the number of cases; exits 1 when any differed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int small_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int small_snprintf(char *buf, size_t cap, const char *fmt, ...);
int small_strcmp(const char *a, const char *b);
int small_strncmp(const char *a, const char *b, size_t n);
char *small_strchr(const char *s, int c);

static int cases, fails;

static void check(const char *fmt, ...) {
  static const size_t caps[] = {256, 6, 1, 0};
  for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
    char a[256], b[256];
    memset(a, 'A', sizeof a); memset(b, 'A', sizeof b);
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int na = small_vsnprintf(a, caps[k], fmt, ap);
    int nb = vsnprintf(b, caps[k], fmt, aq);
    va_end(aq);
    va_end(ap);
    cases++;
    if (na != nb || memcmp(a, b, sizeof a) != 0) {
      fails++;
      printf("differs: \"%s\" cap %zu: %d \"%.*s\" against %d \"%.*s\"\n", fmt, caps[k], na, caps[k] ? (int)sizeof a : 0, a, nb,
             caps[k] ? (int)sizeof b : 0, b);
    }
  }
}

static int sign(int x) { return (x > 0) - (x < 0); }

int main(void) {
  /* the firmware's own formats (host/, boards/common, boards/mps2-an386, boards/nrf52840) */
  check("%s", "text"); check("%s %u.%02u mid=%u", "CON", 2u, 5u, 4660u); check("%lu/%lu/%lu", 3ul, 1ul, 1024ul);
  check("%d.%02d", 4, 4); check("\\x%02x", 0x1f); check("\\u%04x", 0x1b); check("%u.%u", 1u, 2u); check(".%lu", 840ul);
  check("%04d-%02d-%02dT%02d:%02d:%02dZ", 2026, 12, 3, 9, 5, 7); check(",\"key_id\":%u", 7u);
  check("trust anchors: %d certificate(s)\n", 2); check("%.*s", 3, "abcdef"); check("%08lx", 0xdeadbeeful); check("%08lx", 0x1ul);
  check("%lx", 0xabcul); check("%ld", -5l); check("%zu", (size_t)123456); check("%c", 'x'); check("%.40s", "a long name");
  check("%.400s|%.320s|%.200s|%.150s", "a", "b", "c", "d"); check("%02u", 9u); check("100%%"); check("%lld", -9007199254740993ll);
  check("%02llx", 0xaull); check("%llu", 18446744073709551615ull); check("%s", "");
  /* flags, widths and precisions over the conversions it does */
  static const char *flags[] = {"", "-", "0", "-0"}, *widths[] = {"", "1", "5", "12", "*"}, *precs[] = {"", ".0", ".3", ".*"};
  static const long long values[] = {0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN, (long long)UINT_MAX, LLONG_MAX, LLONG_MIN};
  static const char *ints[] = {"d", "i", "ld", "lld", "hd", "hhd", "u", "lu", "llu", "hu", "hhu", "x", "lx", "llx", "X", "hx", "zu"};
  for (size_t a = 0; a < 4; a++) for (size_t w = 0; w < 5; w++) for (size_t p = 0; p < 4; p++) {
    for (size_t c = 0; c < sizeof ints / sizeof ints[0]; c++) for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
      char fmt[32];
      snprintf(fmt, sizeof fmt, "[%%%s%s%s%s]", flags[a], widths[w], precs[p], ints[c]);
      long long x = values[v];
      const char *t = ints[c];
      int star = w == 4, pstar = p == 3, wv = (int)(v % 3) * 4 - 3, pv = (int)(v % 4);
      /* the argument's type follows the length; the * arguments come first */
#define CALL(arg) \
      do { if (star && pstar) check(fmt, wv, pv, arg); else if (star) check(fmt, wv, arg); else if (pstar) check(fmt, pv, arg); else check(fmt, arg); } while (0)
      if (strstr(t, "ll")) { if (strchr("di", t[2])) CALL(x); else CALL((unsigned long long)x); }
      else if (t[0] == 'l') { if (strchr("di", t[1])) CALL((long)x); else CALL((unsigned long)x); }
      else if (t[0] == 'z') CALL((size_t)x);
      else if (strchr("di", t[strlen(t) - 1])) CALL((int)x);
      else CALL((unsigned)x);
    }
    if (a == 2 || a == 3) continue; /* the 0 flag with s and c is undefined */
    char fmt[32];
    static const char *strs[] = {"", "a", "hello", "a longer string than twelve"};
    for (size_t s = 0; s < 4; s++) {
      snprintf(fmt, sizeof fmt, "<%%%s%s%ss>", flags[a], widths[w], precs[p]);
      int star = w == 4, pstar = p == 3, wv = (int)s * 5 - 6, pv = (int)s * 2;
      if (star && pstar) check(fmt, wv, pv, strs[s]); else if (star) check(fmt, wv, strs[s]); else if (pstar) check(fmt, pv, strs[s]); else check(fmt, strs[s]);
    }
    if (p == 0) {
      snprintf(fmt, sizeof fmt, "<%%%s%sc>", flags[a], widths[w]);
      if (w == 4) check(fmt, -4, 'q'); else check(fmt, 'q');
    }
  }
  /* the string functions */
  static const char *words[] = {"", "a", "ab", "abc", "abd", "b", "\xff", "A", "link", "linked"};
  for (size_t i = 0; i < 10; i++) for (size_t j = 0; j < 10; j++) {
    cases++;
    if (sign(small_strcmp(words[i], words[j])) != sign(strcmp(words[i], words[j]))) { fails++; printf("strcmp(\"%s\", \"%s\") differs\n", words[i], words[j]); }
    for (size_t n = 0; n < 5; n++) {
      cases++;
      if (sign(small_strncmp(words[i], words[j], n)) != sign(strncmp(words[i], words[j], n))) { fails++; printf("strncmp(\"%s\", \"%s\", %zu) differs\n", words[i], words[j], n); }
    }
  }
  static const char hay[] = "dcekxslm";
  for (int c = 0; c < 256; c++) {
    cases++;
    if (small_strchr(hay, c) != strchr(hay, c)) { fails++; printf("strchr(\"%s\", %d) differs\n", hay, c); }
  }
  char b[8];
  cases++;
  if (small_snprintf(b, sizeof b, "%d-%s", 12345, "xyz") != 9 || strcmp(b, "12345-x") != 0) { fails++; printf("snprintf: \"%s\"\n", b); }
  printf("%d cases, %d differ\n", cases, fails);
  return fails ? 1 : 0;
}
