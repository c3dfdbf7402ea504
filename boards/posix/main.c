/*
 * main.c - est-sim, the desktop simulator: runs the device module (build/client.wasm, what a board runs) or
 * the simulator module (build/sim.wasm, the debugging commands) under wasm3 on the posix board, through the
 * firmware's C API (host/include/est_client.h), as the microcontroller boards do.
 *
 * Host options are parsed here; the command and its arguments go to the module unchanged (the C API adds the
 * system clock as --now to the life-cycle commands), so the module implements every command the same way on
 * every board. See usage() for the interface and exit codes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "board.h"
#include "board_posix.h"
#include "capabilities.h"
#include "est_abi.h"
#include "est_crypto.h"
#include "est_client.h"
#include "est_host.h"
#include "impair.h"
#include "store_file.h"

/* Exit codes (also in README.md). */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,      /* the command ran and failed (module status printed) */
  EXIT_USAGE = 2,       /* bad options, unknown command, bad arguments */
  EXIT_MODULE = 3,      /* module file missing, unreadable or not a valid module for this host */
  EXIT_TRAP = 4,        /* the module trapped, panicked or stalled */
  EXIT_STORE = 5,       /* key-store file unusable (corrupt, truncated, unreadable); left untouched */
  EXIT_INTERRUPTED = 130,
};

static void usage(FILE *f) {
  fputs(
      "usage: est-sim [options] <command> [arguments...]\n"
      "\n"
      "Runs the EST-oscore client module under the wasm3 interpreter, as a device would.\n"
      "\n"
      "options:\n"
      "  -m, --module PATH        WebAssembly module to run (default: build/client.wasm, the device module, for\n"
      "                           enroll, reenroll and status; build/sim.wasm, the simulator module, for the rest;\n"
      "                           build/client-native.wasm is the device module that leaves all crypto to the board)\n"
      "      --crypto board|none  the board's native crypto provider, which keeps keys in the key store (default), or\n"
      "                           none: the module sees a board without it and does all its cryptography itself\n"
      "  -s, --store PATH         key-store file (default: est-sim.keystore); created on first write\n"
      "      --store-capacity N   key-store size limit in bytes (default: 32768)\n"
      "  -v, --verbose            more log output on stderr (repeat: -vv debug, -vvv trace)\n"
      "  -q, --quiet              errors only on stderr\n"
      "      --stats              print load/run times, memory and peak RSS on stderr at exit\n"
      "      --code-cache N       drop wasm3's compiled code between module calls once it holds more than N\n"
      "                           bytes (as a 256 KiB board does; default 0: keep it all)\n"
      "      --memory-limit N     allocate only N bytes of the module's linear memory (default: all of it)\n"
      "      --real-time T        the board's real-time clock: none (a board without one), or T seconds since\n"
      "                           1970 at start, running on (default: the system clock)\n"
      "  -h, --help               this text\n"
      "\n"
      "network impairment (both directions unless --impair-dir says otherwise):\n"
      "      --loss PCT           drop this percentage of datagrams\n"
      "      --dup PCT            deliver this percentage twice\n"
      "      --reorder PCT        hold this percentage back 50 ms so later datagrams overtake them\n"
      "      --delay MS           add a fixed one-way delay\n"
      "      --jitter MS          add a random delay of 0..MS\n"
      "      --impair-seed N      seed of the impairment decisions (default 1): same seed, same decisions\n"
      "      --impair-dir DIR     up (device to network), down, or both\n"
      "\n"
      "command files (after the command name, for any command):\n"
      "  -f, --payload-file FILE  the command's input stream (e.g. the payload of coap post)\n"
      "  -o, --out FILE           write the command's output to FILE instead of stdout\n"
      "\n"
      "commands of the device module (what a board runs):\n"
      "  enroll [--edhoc] [--sequential] [--pop sig|dh|dh-cert] [--cn NAME] [--dns NAME] [--crts] [--att] [-b SIZE]\n"
      "         [-B SECS] [--json] [-v] URI\n"
      "                           EST-oscore enrollment (/sen; /sren once enrolled) at coap://host[:port][/root]\n"
      "  reenroll [enroll options] URI    re-enroll with /sren\n"
      "  maintain [enroll options] [--renew-at PCT] URI\n"
      "                           the life cycle: enroll when not enrolled, from scratch when the certificate\n"
      "                           expired, renew with /sren once PCT% of its validity passed (default two\n"
      "                           thirds), else nothing\n"
      "  status [--json] [--renew-at PCT]   what the device holds: subject, validity, renewal time, certificate\n"
      "                           (maintain and status judge time by the system clock unless --now SECONDS)\n"
      "  request get|post [-e TEXT] [-t CF] [-B SECS] URI   an application request under OSCORE\n"
      "\n"
      "commands of the simulator module:\n"
      "  selftest [--json]        check RNG, clock, timers and the key store through the module ABI\n"
      "  coap get|post|put|delete [-e TEXT] [-t CF] [-A CF] [-b SIZE] [-B SECS] [-N] [-v] URI\n"
      "                           a CoAP request in the manner of libcoap's coap-client\n"
      "  discover [--json] [--rt PREFIX] URI   find a server's EST resources (rt=ace.est*)\n"
      "  oscore get|post|put|delete [coap options] [--edhoc [--combined]] URI\n"
      "                           the same request under OSCORE: the stored context, or a new one from EDHOC\n"
      "  version                  print the module's version\n"
      "  vectors                  read JSON lines on stdin, evaluate each in the module, one JSON line out\n"
      "                           (e.g. {\"op\":\"sha256\",\"msg\":\"616263\"}); see docs/vectors.md\n"
      "\n"
      "exit codes: 0 ok, 1 command failed, 2 usage error, 3 module missing or invalid,\n"
      "            4 module trapped, 5 key store unusable, 130 interrupted\n",
      f);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Peak resident set of this program. VmHWM belongs to the current image; getrusage's ru_maxrss would
 * include the parent's memory from before exec (a Linux quirk), so it is only the fallback. */
static long peak_rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[128];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  if (f) fclose(f);
  if (kib < 0) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    kib = ru.ru_maxrss;
  }
  return kib;
}

static void on_signal(int sig) {
  (void)sig;
  g_interrupted = 1;
}

static uint8_t *read_file(const char *path, size_t *len, char *err, size_t err_cap) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, err_cap, "%s", strerror(errno)); return NULL; }
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= (64u << 20)) { snprintf(err, err_cap, "file larger than 64 MiB"); free(buf); fclose(f); return NULL; }
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) { snprintf(err, err_cap, "out of memory"); free(buf); fclose(f); return NULL; }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) { snprintf(err, err_cap, "read error"); free(buf); return NULL; }
  *len = n;
  return buf;
}

static void json_string(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* `vectors`: one module command ["vector", LINE] per stdin line. The module prints the answer line; a line it
 * rejects gets {"error":NAME,"detail":TEXT} from here. Continues after bad lines; stops only on a trap. */
static int run_vectors(est_client_t *client) {
  est_host_t *host = est_client_host(client);
  static char line[65536];
  int code = EXIT_OK;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    int too_long = n == sizeof line - 1 && line[n - 1] != '\n';
    if (too_long) { int c; while ((c = getchar()) != EOF && c != '\n') {} }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n == 0) continue;
    if (too_long || n + 8 > host->io_cap) {
      printf("{\"error\":\"E_LIMIT\",\"detail\":\"line longer than %u bytes\"}\n", host->io_cap - 8);
      fflush(stdout);
      continue;
    }
    const char *argv2[2] = {"vector", line};
    int32_t status;
    int rc = est_client_command(client, 2, argv2, &status);
    if (rc != EST_HOST_OK) {
      printf("{\"error\":\"E_TRAP\",\"detail\":");
      json_string(stdout, host->error, strlen(host->error));
      printf("}\n");
      fflush(stdout);
      fprintf(stderr, "est-sim: %s\n", host->error);
      return EXIT_TRAP;
    }
    if (status != EST_OK) {
      uint32_t dl = 0;
      const char *d = est_host_error_detail(host, &dl);
      printf("{\"error\":\"%s\",\"detail\":", est_status_name(status));
      json_string(stdout, d, dl);
      printf("}\n");
      fflush(stdout);
    }
  }
  return code;
}

/* The life cycle's wall time: the board's real-time clock (the system clock, or what --real-time says). */
static int64_t wall_clock(void *ctx) {
  (void)ctx;
  int64_t t = board_real_time_s();
  return t < 0 ? -1 : t;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || v == 0 || v > (1ull << 30)) return -1;
  *out = (size_t)v;
  return 0;
}

int main(int argc, char **argv) {
  const char *module_path = NULL;
  const char *store_path = "est-sim.keystore";
  size_t store_cap = STORE_FILE_DEFAULT_CAPACITY;
  int stats = 0;
  size_t code_cache = 0, memory_limit = 0;
  impair_config_t impair = {.up = 1, .down = 1, .seed = 1};
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    char perr[96];
    int used = i + 1 < argc ? impair_parse_option(&impair, a, argv[i + 1], perr, sizeof perr) : 0;
    if (used < 0) { fprintf(stderr, "est-sim: %s\n", perr); return EXIT_USAGE; }
    if (used == 2) { i++; continue; }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return EXIT_OK; }
    else if ((!strcmp(a, "-m") || !strcmp(a, "--module")) && i + 1 < argc) module_path = argv[++i];
    else if ((!strcmp(a, "-s") || !strcmp(a, "--store")) && i + 1 < argc) store_path = argv[++i];
    else if (!strcmp(a, "--store-capacity") && i + 1 < argc) {
      if (parse_size(argv[++i], &store_cap) != 0) { fprintf(stderr, "est-sim: --store-capacity needs a size in bytes\n"); return EXIT_USAGE; }
    }
    else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) g_log_level++;
    else if (!strcmp(a, "-vv")) g_log_level += 2;
    else if (!strcmp(a, "-vvv")) g_log_level += 3;
    else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) g_log_level = EST_LOG_ERROR;
    else if (!strcmp(a, "--stats")) stats = 1;
    else if (!strcmp(a, "--crypto") && i + 1 < argc) {
      const char *v = argv[++i];
      if (!strcmp(v, "board")) est_crypto_set_caps_mask(0xffffffffu);
      else if (!strcmp(v, "none")) est_crypto_set_caps_mask(0);
      else { fprintf(stderr, "est-sim: --crypto takes board or none\n"); return EXIT_USAGE; }
    }
    else if (!strcmp(a, "--code-cache") && i + 1 < argc) {
      if (parse_size(argv[++i], &code_cache) != 0) { fprintf(stderr, "est-sim: --code-cache needs a size in bytes\n"); return EXIT_USAGE; }
    }
    else if (!strcmp(a, "--memory-limit") && i + 1 < argc) {
      if (parse_size(argv[++i], &memory_limit) != 0) { fprintf(stderr, "est-sim: --memory-limit needs a size in bytes\n"); return EXIT_USAGE; }
    }
    else if (!strcmp(a, "--real-time") && i + 1 < argc) {
      const char *v = argv[++i];
      char *end;
      errno = 0;
      long long t = strtoll(v, &end, 10);
      if (!strcmp(v, "none")) g_real_time_none = 1;
      else if (errno || end == v || *end || t < 0) { fprintf(stderr, "est-sim: --real-time needs none or seconds since 1970\n"); return EXIT_USAGE; }
      else g_real_time_offset = (int64_t)t - (int64_t)time(NULL);
    }
    else if (!strcmp(a, "--")) { i++; break; }
    else {
      fprintf(stderr, "est-sim: unknown option or missing value: %s\n(try est-sim --help)\n", a);
      return EXIT_USAGE;
    }
  }
  if (g_log_level > EST_LOG_TRACE) g_log_level = EST_LOG_TRACE;
  impair_init(&impair);
  if (i >= argc) { usage(stderr); return EXIT_USAGE; }
  if (!strcmp(argv[i], "help")) { usage(stdout); return EXIT_OK; }
  /* The device module runs what a board runs; the simulator module the debugging commands. */
  if (!module_path)
    module_path = !strcmp(argv[i], "enroll") || !strcmp(argv[i], "reenroll") || !strcmp(argv[i], "status") ||
                      !strcmp(argv[i], "maintain") || !strcmp(argv[i], "request")
                      ? "build/client.wasm" : "build/sim.wasm";

  /* Command files: the module reads -f through board.in_read and writes through board.out. */
  for (int k = i + 1; k + 1 < argc; k++) {
    if (!strcmp(argv[k], "-f") || !strcmp(argv[k], "--payload-file")) {
      if (g_in) fclose(g_in);
      g_in = fopen(argv[k + 1], "rb");
      if (!g_in) { fprintf(stderr, "est-sim: cannot read payload file %s: %s\n", argv[k + 1], strerror(errno)); return EXIT_USAGE; }
      k++;
    } else if (!strcmp(argv[k], "-o") || !strcmp(argv[k], "--out")) {
      if (g_out) fclose(g_out);
      g_out = fopen(argv[k + 1], "wb");
      if (!g_out) { fprintf(stderr, "est-sim: cannot write output file %s: %s\n", argv[k + 1], strerror(errno)); return EXIT_USAGE; }
      k++;
    }
  }

  char err[320];
  size_t wasm_len = 0;
  uint8_t *wasm = read_file(module_path, &wasm_len, err, sizeof err);
  if (!wasm) {
    fprintf(stderr, "est-sim: cannot read module %s: %s%s\n", module_path, err,
            errno == ENOENT ? " (build it with: npm run build)" : "");
    return EXIT_MODULE;
  }

  int32_t st = store_file_open(store_path, store_cap, err, sizeof err);
  if (st != EST_OK) {
    fprintf(stderr, "est-sim: key store %s is unusable: %s; it was not modified (move it aside or use --store)\n",
            store_path, err);
    return EXIT_STORE;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  static est_client_t client;
  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.limits = (est_host_limits_t){BOARD_WASM_STACK_BYTES, BOARD_WASM_MAX_PAGES, BOARD_COMPILE_EAGERLY, (uint32_t)code_cache, (uint32_t)memory_limit};
  cfg.time_now = wall_clock;
  double t0 = now_ms();
  int rc = est_client_init(&client, wasm, wasm_len, &cfg) == EST_OK ? EST_HOST_OK : EST_HOST_E_INVALID;
  est_host_t *h = est_client_host(&client);
  double t1 = now_ms();
  if (rc != EST_HOST_OK) {
    fprintf(stderr, "est-sim: cannot run module %s: %s\n", module_path, est_client_error(&client));
    rc = h->trapped ? EST_HOST_E_TRAP : rc;
    est_client_free(&client);
    free(wasm);
    return rc == EST_HOST_E_TRAP ? EXIT_TRAP : EXIT_MODULE;
  }

  if (!strcmp(argv[i], "vectors")) {
    int code = run_vectors(&client);
    est_client_free(&client);
    free(wasm);
    return code;
  }

  int32_t status = EST_E_INTERNAL;
  rc = est_client_command(&client, argc - i, (const char *const *)argv + i, &status);
  int code;
  if (rc == EST_HOST_E_ARGS) {
    fprintf(stderr, "est-sim: %s\n", est_client_error(&client));
    code = EXIT_USAGE;
  } else if (rc != EST_HOST_OK) {
    fprintf(stderr, "est-sim: %s\n", est_client_error(&client));
    code = EXIT_TRAP;
  } else if (status == EST_OK) {
    code = EXIT_OK;
  } else {
    const char *d = est_client_detail(&client);
    fprintf(stderr, "est-sim: %s: %s (%s)\n", argv[i], est_status_name(status), d);
    code = status == EST_E_CANCELLED && g_interrupted ? EXIT_INTERRUPTED
         : (status == EST_E_USAGE || status == EST_E_UNKNOWN_COMMAND) ? EXIT_USAGE
         : EXIT_FAILED;
  }
  if (stats) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
    est_host_code_stats_t cs;
    est_host_code_stats(h, &cs);
    fprintf(stderr, "est-sim: stats: module %zu bytes, load+start %.3f ms, command %.3f ms, linear memory %u bytes, peak RSS %ld KiB, cpu %.1f ms, "
            "code pages %u (at most %u), compiled code dropped %u times\n",
            wasm_len, t1 - t0, now_ms() - t1, est_host_memory_size(h), peak_rss_kib(), cpu,
            (unsigned)cs.code_pages, (unsigned)cs.code_pages_peak, (unsigned)cs.drops);
  }
  est_client_free(&client);
  free(wasm);
  if (g_out && fclose(g_out) != 0 && code == EXIT_OK) { fprintf(stderr, "est-sim: cannot write the output file\n"); code = EXIT_FAILED; }
  return code;
}
