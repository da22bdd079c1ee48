"""Human review: reviewers' corrections, case edits, the review queue, dashboard figures, access rules.

The web app calls these functions; each takes a SQLAlchemy Session and
leaves the commit to the caller's unit of work. Every change is recorded
(Correction rows, case events, the audit trail) and re-assesses the cases it
touched at once, so what a unit sees after a review is already re-routed.
"""

from pipeline.review.access import can_act_on_case, can_view_case, can_view_letter, visible_case_ids
from pipeline.review.case_edits import merge_cases, merged_into, move_letter, reroute_case, split_case
from pipeline.review.corrections import LETTER_FIELDS, ReviewError, confirm_letter, correct_letter
from pipeline.review.queue import QueueItem, review_queue
from pipeline.review.stats import dashboard_stats

__all__ = [
    "LETTER_FIELDS", "QueueItem", "ReviewError", "can_act_on_case", "can_view_case", "can_view_letter",
    "confirm_letter", "correct_letter", "dashboard_stats", "merge_cases", "merged_into", "move_letter",
    "reroute_case", "review_queue", "split_case", "visible_case_ids",
]
