/* main() for the fuzz targets in an ordinary build (gcc, no libFuzzer):
 * runs LLVMFuzzerTestOneInput once on every file named on the command line,
 * and on every file of every directory named (not recursively; names
 * starting with '.' and README files are skipped). A missing directory is
 * not an error (a target without regressions has none).
 *
 * This is how tests/regress/<target>/ inputs — crashes found by fuzzing,
 * then fixed — are replayed by `ctest` in the normal and the ASan builds. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return -1;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) free(buf);
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int files = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            if (errno == ENOENT) continue;
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            errors++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]) != 0;
            files++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, NULL);
        if (n < 0) {
            errors++;
            continue;
        }
        char **paths = calloc((size_t)n + 1, sizeof *paths);
        int k = 0;
        for (int j = 0; j < n; j++) {
            const char *nm = names[j]->d_name;
            if (nm[0] != '.' && strncmp(nm, "README", 6) != 0 && paths) {
                size_t len = strlen(argv[i]) + strlen(nm) + 2;
                paths[k] = malloc(len);
                if (paths[k]) snprintf(paths[k++], len, "%s/%s", argv[i], nm);
            }
            free(names[j]);
        }
        free(names);
        if (paths) qsort(paths, (size_t)k, sizeof *paths, cmp);
        for (int j = 0; j < k; j++) {
            struct stat fs;
            if (stat(paths[j], &fs) == 0 && S_ISREG(fs.st_mode)) {
                errors += run_file(paths[j]) != 0;
                files++;
            }
            free(paths[j]);
        }
        free(paths);
    }
    printf("%d input%s replayed\n", files, files == 1 ? "" : "s");
    return errors ? 1 : 0;
}
