"""Every change of quotes: one function per use case (see each module for its rules).

- quoting: the supplier's working copy, submission (revisions + receipts), withdraw, confirm;
- opening: opening at the opening time (scheduled or by committee);
- evaluation: scores, shortlist, reject;
- awards: whole or split award.
"""

from quotes.services.awards import award_make
from quotes.services.evaluation import quote_reject, quote_shortlist, score_set
from quotes.services.opening import open_due_tenders, opening_confirm, tender_open
from quotes.services.quoting import (
    attachment_add,
    attachment_remove,
    needs_confirmation,
    quote_confirm,
    quote_create,
    quote_delete_draft,
    quote_line_remove,
    quote_line_set,
    quote_submit,
    quote_update,
    quote_withdraw,
)

__all__ = (
    "attachment_add",
    "attachment_remove",
    "award_make",
    "needs_confirmation",
    "open_due_tenders",
    "opening_confirm",
    "quote_confirm",
    "quote_create",
    "quote_delete_draft",
    "quote_line_remove",
    "quote_line_set",
    "quote_reject",
    "quote_shortlist",
    "quote_submit",
    "quote_update",
    "quote_withdraw",
    "score_set",
    "tender_open",
)
