/* The save decision (see ms_plan.h). */
#include "ms_plan.h"

#include <string.h>

ms_plan ms_plan_decide(const ms_plan_facts *f, const ms_lifetime_policy *pol,
                       apr_time_t now)
{
    ms_plan p;
    /* the store may hold a record under the client's key (even when it
     * could not be read just now); it is usable only if it was read */
    int key_known = f->had_key && !f->key_rejected;
    int key_valid = key_known && !f->store_failed;
    int touch = 0;

    memset(&p, 0, sizeof(p));
    if (f->answered_500) {
        return p;
    }
    if (f->empty) {
        /* emptied, flushed, or the client's cookie was no good: forget it */
        if (f->had_key && (f->modified || f->key_rejected)) {
            p.action = MS_PLAN_EXPIRE;
            p.forget_old_key = key_known;
        }
        return p;
    }
    if (f->store_failed && f->modified && !f->new_key) {
        /* saving would replace the visitor's stored session, still there,
         * with one that holds only this request's changes */
        p.action = MS_PLAN_REFUSE;
        return p;
    }
    if (!f->modified) {
        /* keep the idle clock going, at most once per touch interval, and
         * only for a session loaded valid: never re-create one */
        if (!key_valid || !ms_lifetime_touch_due(pol, f->seen, now)) {
            return p;
        }
        touch = 1;
    }
    p.action = touch ? MS_PLAN_TOUCH : MS_PLAN_SAVE;
    p.reuse_key = key_valid && !f->new_key;
    /* a new session, or a new key after a login, starts the lifetime */
    p.issued = p.reuse_key && f->issued ? f->issued : now;
    p.seen = now;
    p.expires = ms_lifetime_expires(pol, p.issued, now, f->lifetime);
    if (touch && f->expires && f->expires < p.expires) {
        p.expires = f->expires;          /* a touch moves only the idle clock */
    }
    p.forget_old_key = f->new_key && key_known;
    return p;
}

const char *ms_plan_action_str(ms_plan_action a)
{
    switch (a) {
    case MS_PLAN_NOTHING: return "nothing";
    case MS_PLAN_EXPIRE:  return "expire";
    case MS_PLAN_REFUSE:  return "refuse";
    case MS_PLAN_TOUCH:   return "touch";
    case MS_PLAN_SAVE:    return "save";
    }
    return "unknown";
}
