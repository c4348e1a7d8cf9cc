/* The save decision, as a table: one row per case. Read it as the
 * specification of what a session's response does.
 *
 * Columns of the facts: had_key, key_rejected, store_failed, modified,
 * empty, new_key, answered_500, then the loaded session's issued, seen and
 * expires (seconds after T0, 0 unknown). The policy is per row too. */
#include <string.h>

#include "ms_plan.h"
#include "unit_tests.h"

#define SEC(n) apr_time_from_sec(APR_INT64_C(n))
#define T0 SEC(1893456000)                  /* 2030-01-01 */
#define AFTER(n) (T0 + apr_time_from_sec((apr_time_t)(n)))
#define AT(n) ((n) ? AFTER(n) : 0)          /* 0 stays "unknown" */
#define LIFETIME 1209600                    /* MartenSessionCookieMaxAge */
#define NOW 1000                            /* every row decides at T0 + NOW */

enum { NONE = -1 };

typedef struct row {
    const char *why;
    /* facts */
    int had_key, rejected, failed, modified, empty, new_key, is_500;
    long issued, seen, expires;
    /* policy: idle, max lifetime, touch interval (-1: default) */
    long idle, max_life, touch;
    /* the answer; times in seconds after T0, NONE where they do not apply */
    ms_plan_action action;
    int reuse, forget;
    long p_issued, p_expires;
} row;

static const row rows[] = {
    /* --- nothing to do ------------------------------------------------ */
    { "untouched session without a cookie",
      0,0,0,0,1,0,0,  0,0,0,            0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "read, unchanged, no idle timeout",
      1,0,0,0,0,0,0,  10,10,5000,       0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "Marten's rule: a 500 saves nothing, even a flush",
      1,0,0,1,1,1,1,  10,10,5000,       0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "a 500 saves nothing, even a change",
      1,0,0,1,0,0,1,  10,10,5000,       0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "flush without a cookie: nothing to end",
      0,0,0,1,1,1,0,  0,0,0,            0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    /* --- expire --------------------------------------------------------- */
    { "last key deleted: cookie expired, record forgotten",
      1,0,0,1,1,0,0,  10,10,5000,       0,0,-1,  MS_PLAN_EXPIRE,0,1, NONE,NONE },
    { "flush: cookie expired, record forgotten",
      1,0,0,1,1,1,0,  10,10,5000,       0,0,-1,  MS_PLAN_EXPIRE,0,1, NONE,NONE },
    { "a bad cookie read: expired; its key is nobody's to forget",
      1,1,0,0,1,0,0,  0,0,0,            0,0,-1,  MS_PLAN_EXPIRE,0,0, NONE,NONE },
    { "a session past a limit reads as rejected: expired",
      1,1,0,0,1,0,0,  0,0,0,            60,600,-1, MS_PLAN_EXPIRE,0,0, NONE,NONE },
    { "flush while the store is down: expired, its record forgotten",
      1,0,1,1,1,1,0,  0,0,0,            0,0,-1,  MS_PLAN_EXPIRE,0,1, NONE,NONE },
    { "store down, nothing changed: the client keeps its cookie",
      1,0,1,0,1,0,0,  0,0,0,            0,0,-1,  MS_PLAN_NOTHING,0,0, NONE,NONE },
    /* --- refuse --------------------------------------------------------- */
    { "store down, changed: saving would lose the stored session",
      1,0,1,1,0,0,0,  0,0,0,            0,0,-1,  MS_PLAN_REFUSE,0,0, NONE,NONE },
    /* --- save ----------------------------------------------------------- */
    { "a new session: a new key, starting now",
      0,0,0,1,0,0,0,  0,0,0,            0,0,-1,  MS_PLAN_SAVE,0,0, NOW,NOW+LIFETIME },
    { "a change: same key, same start, a fresh expiry",
      1,0,0,1,0,0,0,  10,900,5000,      0,0,-1,  MS_PLAN_SAVE,1,0, 10,NOW+LIFETIME },
    { "a bad cookie, then a write: a fresh session under a new key",
      1,1,0,1,0,0,0,  0,0,0,            0,0,-1,  MS_PLAN_SAVE,0,0, NOW,NOW+LIFETIME },
    { "key cycled (login): new key, lifetime restarts, old key forgotten",
      1,0,0,1,0,1,0,  10,900,5000,      0,600,-1, MS_PLAN_SAVE,0,1, NOW,NOW+600 },
    { "flush then set: new key, old forgotten",
      1,0,0,1,0,1,0,  10,900,5000,      0,0,-1,  MS_PLAN_SAVE,0,1, NOW,NOW+LIFETIME },
    { "store down, then flush and set: a new session is fine",
      1,0,1,1,0,1,0,  0,0,0,            0,0,-1,  MS_PLAN_SAVE,0,1, NOW,NOW+LIFETIME },
    { "max lifetime caps the expiry at start + limit",
      1,0,0,1,0,0,0,  10,900,5000,      0,600,-1, MS_PLAN_SAVE,1,0, 10,610 },
    { "a start the store did not vouch for is never kept: now",
      1,0,0,1,0,0,0,  0,0,5000,         0,0,-1,  MS_PLAN_SAVE,1,0, NOW,NOW+LIFETIME },
    /* --- touch ---------------------------------------------------------- */
    { "idle timeout, unchanged, touch due: same key, same expiry",
      1,0,0,0,0,0,0,  10,900,5000,      300,0,-1, MS_PLAN_TOUCH,1,0, 10,5000 },
    { "idle timeout, unchanged, touched recently: nothing",
      1,0,0,0,0,0,0,  10,990,5000,      300,0,-1, MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "touch interval as configured",
      1,0,0,0,0,0,0,  10,995,5000,      300,0,5,  MS_PLAN_TOUCH,1,0, 10,5000 },
    { "a touch never re-creates a rejected session",
      1,1,0,0,0,0,0,  0,0,0,            300,0,-1, MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "a touch never re-creates a session the store could not load",
      1,0,1,0,0,0,0,  0,0,0,            300,0,-1, MS_PLAN_NOTHING,0,0, NONE,NONE },
    { "a touch keeps an expiry earlier than a new save's",
      1,0,0,0,0,0,0,  10,900,1200,      300,0,-1, MS_PLAN_TOUCH,1,0, 10,1200 },
    { "a touch also stays within the max lifetime",
      1,0,0,0,0,0,0,  10,900,0,         300,600,-1, MS_PLAN_TOUCH,1,0, 10,610 },
};

START_TEST(each_row)
{
    const row *w = &rows[_i];
    ms_plan_facts f;
    ms_lifetime_policy pol;
    ms_plan p;

    memset(&f, 0, sizeof(f));
    f.had_key = w->had_key;
    f.key_rejected = w->rejected;
    f.store_failed = w->failed;
    f.modified = w->modified;
    f.empty = w->empty;
    f.new_key = w->new_key;
    f.answered_500 = w->is_500;
    f.issued = AT(w->issued);
    f.seen = AT(w->seen);
    f.expires = AT(w->expires);
    f.lifetime = LIFETIME;
    pol.idle = w->idle;
    pol.max_lifetime = w->max_life;
    pol.touch_interval = w->touch;

    p = ms_plan_decide(&f, &pol, T0 + SEC(NOW));
    ck_assert_msg(p.action == w->action, "%s: %s, expected %s", w->why,
                  ms_plan_action_str(p.action), ms_plan_action_str(w->action));
    ck_assert_msg(p.forget_old_key == w->forget, "%s: forget %d", w->why,
                  p.forget_old_key);
    if (w->action == MS_PLAN_SAVE || w->action == MS_PLAN_TOUCH) {
        ck_assert_msg(p.reuse_key == w->reuse, "%s: reuse %d", w->why, p.reuse_key);
        ck_assert_msg(p.issued == AFTER(w->p_issued), "%s: issued", w->why);
        ck_assert_msg(p.seen == T0 + SEC(NOW), "%s: seen", w->why);
        ck_assert_msg(p.expires == AFTER(w->p_expires), "%s: expires %lld",
                      w->why, (long long)apr_time_sec(p.expires - T0));
    }
}
END_TEST

START_TEST(every_action_is_covered)
{
    int seen[MS_PLAN_SAVE + 1] = { 0 };
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        seen[rows[i].action] = 1;
    }
    for (i = 0; i <= MS_PLAN_SAVE; i++) {
        ck_assert_msg(seen[i], "no row answers %s",
                      ms_plan_action_str((ms_plan_action)i));
    }
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("table");

    tcase_add_loop_test(tc, each_row, 0, (int)(sizeof(rows) / sizeof(rows[0])));
    tcase_add_test(tc, every_action_is_covered);
    suite_add_tcase(s, tc);
    return s;
}
