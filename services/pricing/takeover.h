//  takeover — dated prices take over by themselves: a timer of the service
//  loop armed for the schedule's next moment (schedule.h) announces, when
//  it comes, the price changes it brings (pricebook_takeover_due), without
//  a request and without a restart. At start-up what became due while the
//  service was down is announced first, once.
#ifndef RM_TAKEOVER_H
#define RM_TAKEOVER_H

#include "service.h"

//  Announces what is due and arms the timer (pricing's on_start). A
//  failing write is logged and retried by the timer. Returns 0.
int takeover_start (service_t *svc);

//  Arms the timer for the next moment when that is earlier than the one it
//  is armed for (after a write that may have scheduled one).
void takeover_arm (service_t *svc);

#endif
