"""allauth adapters: where CotAi hooks into allauth's flows."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.usersessions.adapter import DefaultUserSessionsAdapter

from cotai import audit


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """Audits every browser session that is signed out from the sessions page ("sign out other
    sessions" and the per-session button alike) before ending it."""

    def end_sessions(self, sessions: Any) -> None:
        from accounts.services import _primary_company

        request = context.request
        actor = getattr(request, "user", None) if request is not None else None
        for session in sessions:
            audit.record(
                action="auth.session_revoked",
                actor=actor if getattr(actor, "is_authenticated", False) else session.user,
                company=_primary_company(session.user, request),
                obj=session.user,
                data={
                    "session_id": session.pk,
                    "session_ip": session.ip,
                    "session_user_agent": session.user_agent[:200],
                    "session_created_at": session.created_at,
                },
                request=request,
            )
            session.end()
