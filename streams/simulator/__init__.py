"""`watchfloor simulate`: a synthetic police force with labelled scenarios.

Nobody may hand us a real force's data, so demos, tests and benchmarks run on this stand-in.
The generator is pure and deterministic (the same settings and seed give the same bytes), it
walks the calendar one day at a time so memory stays bounded, and it writes events in event-time
order. Modules, from the ground up:

- ``clock``: day numbers, epoch seconds and RFC 3339 text.
- ``randomness``: seeded sub-streams and opaque, collision-free event ids.
- ``sites``: stations across a city, their zones and readers.
- ``force``: units, roles, ranks, officers and the watchlist.
- ``rosters``: shift patterns, leave, sickness, training and overtime as pure functions of
  (officer, day).
- ``emitter``: builds event lines and keeps them in per-day buffers until a day is complete.
- ``behaviour``: badge swipes and system use during a duty.
- ``scenarios`` (with ``integrity``, ``welfare`` and ``benign``): labelled injected behaviour;
  ``planner`` places them; ``labels`` documents the ground truth.
- ``engine``: the day-by-day driver.
- ``writer``, ``publish`` and ``command``: files, Kafka and the CLI.

How the roster reads
--------------------
Every change is a ``roster`` event; ``actor_id`` made it, ``period_start``/``period_end`` is
the duty or absence it is about.

- ``shift_planned``: a duty, entered 7-28 days ahead by the line manager (or resourcing
  staff). ``reason`` ``TRAINING`` marks a course at headquarters.
- ``rest_day_worked``: a duty on a rest day (the rest day is cancelled), entered by a
  supervisor with ``reason`` ``OPS_REQUIREMENT``; in the background weeks ahead and at most
  one in any 14 days.
- ``shift_cancelled``: the planned duty with exactly this period is withdrawn (``reason``
  ``RESOURCING``, or ``SWAP`` paired with a ``shift_swapped``).
- ``shift_swapped``: the officer takes on this period as a duty, in a swap with
  ``counterpart_id``; entered by the officer, approved by the manager (``approver_id``).
- ``duty_changed``: the duty of the day of ``period_start`` becomes this period (``reason``
  ``LATE_START``: entered by a supervisor hours after the start; ``OPS_REQUIREMENT``: moved
  a few days ahead; ``TRAINING``: a course elsewhere). With ``reason`` ``ON_CALL`` it is not a
  duty but an on-call window
  (a detective's weekend, Friday 17:00 to Monday 08:00): the officer is available, not
  working, and those hours are not worked hours.
- ``overtime_claimed``: hours worked in this period beyond the duty, claimed by the officer,
  usually straight after a shift (``SHIFT_OVERRUN``), for an operation (``OPS``) or a call-out
  (``CALLOUT``); ``approver_id`` on a claim means the claimant approved it themselves.
- ``overtime_approved``: the manager's approval of that period; for a planned operation it
  comes before the period.
- ``leave_booked`` / ``leave_cancelled``: annual leave for whole days, booked 3-6 weeks ahead
  by the officer and approved by the manager.
- ``sickness_started`` / ``sickness_ended``: entered by the manager on the first morning and on
  return; the period is the whole spell in days.

Badge zones with ``tracks_exit`` (custody, property store, armoury, server room) are badged in
and out; a badge-out is sometimes forgotten, but only on the last exit of a duty, so an
officer's next entry to that zone is hours later. The main entrance and car park track no exit.
Look-ups from an in-car terminal (``MDT-...``) or a laptop (``RA-...``) carry no ``site_id``.
"""
