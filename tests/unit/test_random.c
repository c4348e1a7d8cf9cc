/* ms_random_bytes: every byte of a batch is handed out once, and a child
 * process never hands out what its parent will. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ms_random.h"
#include "unit_tests.h"

static int by_bytes(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

START_TEST(bytes_are_never_handed_out_twice)
{
    /* 3,000 draws of 16 bytes cross several batches; two equal draws of
     * 128 random bits would mean bytes were handed out again */
    static unsigned char seen[3000][16];
    int i;

    for (i = 0; i < 3000; i++)
        ck_assert_int_eq(ms_random_bytes(seen[i], 16), APR_SUCCESS);
    qsort(seen, 3000, 16, by_bytes);
    for (i = 1; i < 3000; i++)
        ck_assert(memcmp(seen[i - 1], seen[i], 16) != 0);
}
END_TEST

START_TEST(sizes_small_and_large)
{
    unsigned char a[300], b[300];
    apr_size_t n;

    for (n = 0; n <= 300; n += 13) {
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        ck_assert_int_eq(ms_random_bytes(a, n), APR_SUCCESS);
        ck_assert_int_eq(ms_random_bytes(b, n), APR_SUCCESS);
        if (n >= 8)
            ck_assert(memcmp(a, b, n) != 0);
        ck_assert(a[n] == 0 && b[n] == 0);      /* nothing past n */
    }
}
END_TEST

START_TEST(child_after_fork_draws_other_bytes)
{
    unsigned char mine[16], childs[16];
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(ms_random_bytes(mine, 16), APR_SUCCESS); /* a batch */
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsigned char b[16];
        ssize_t w = -1;
        if (ms_random_bytes(b, 16) == APR_SUCCESS)
            w = write(fds[1], b, 16);
        _exit(w == 16 ? 0 : 1);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], childs, 16), 16);
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the parent's next bytes come from the batch the child also had */
    ck_assert_int_eq(ms_random_bytes(mine, 16), APR_SUCCESS);
    ck_assert(memcmp(mine, childs, 16) != 0);
}
END_TEST

Suite *random_suite(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("random");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, bytes_are_never_handed_out_twice);
    tcase_add_test(tc, sizes_small_and_large);
    tcase_add_test(tc, child_after_fork_draws_other_bytes);
    suite_add_tcase(s, tc);
    return s;
}
