/* Runs a libFuzzer target over files without libFuzzer: the seed corpus
 * and every regression input, in `make check` (plain, under valgrind and in
 * the sanitizer build). Usage: replay_TARGET FILE-OR-DIR...
 * Prints how many inputs ran; a broken invariant traps, a crash kills it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

#define REPLAY_MAX (1024 * 1024)

static int
replay_file(const char *path, size_t *count)
{
	unsigned char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		close(fd);
		return -1;
	}
	while (len < REPLAY_MAX && (n = read(fd, buf + len, REPLAY_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	/* A copy of exactly len bytes, so ASan sees any read past the end. */
	{
		unsigned char *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	(*count)++;
	return 0;
}

static int
replay_path(const char *path, size_t *count)
{
	struct dirent **names;
	struct stat st;
	int n, i, r = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		/* One level: a corpus folder holds files. */
		if (names[i]->d_name[0] != '.' &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name) < (int)sizeof(sub) &&
		    stat(sub, &st) == 0 && S_ISREG(st.st_mode) && replay_file(sub, count) != 0)
			r = -1;
		free(names[i]);
	}
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int i, r = 0;

	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) != 0)
			r = 1;
	printf("%zu inputs\n", count);
	return r != 0 || count == 0;
}
