"""The Litestar application factory."""

from __future__ import annotations

from pathlib import Path

import jinja2
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from survey_app.db.engine import active_engine, close_pool, open_pool
from survey_app.settings import Settings
from survey_app.web.auth import PUBLIC_OPT, StaffSessionMiddleware
from survey_app.web.controllers.admin import AdminController
from survey_app.web.controllers.answer_form import AnswerFormController, left
from survey_app.web.controllers.api import ApiController
from survey_app.web.controllers.api_docs import ApiDocsController, openapi_config
from survey_app.web.controllers.caseload import CaseloadController, OfficeController
from survey_app.web.controllers.demo_inbox import DemoInboxController
from survey_app.web.controllers.enrolment import EnrolmentController
from survey_app.web.controllers.favicon import favicon
from survey_app.web.controllers.login import health, home, login, login_form, logout
from survey_app.web.controllers.outbox import OutboxController
from survey_app.web.controllers.paper import PaperController
from survey_app.web.controllers.participant_actions import ParticipantActionsController
from survey_app.web.controllers.research import ResearchController
from survey_app.web.controllers.study_settings import StudySettingsController
from survey_app.web.errors import EXCEPTION_HANDLERS
from survey_app.web.security_headers import SecurityHeaders

HERE = Path(__file__).parent


def _template_engine() -> JinjaTemplateEngine:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return JinjaTemplateEngine.from_environment(environment)


def create_app(settings: Settings) -> Litestar:
    """The web app for ``settings``; the database engine must already be activated."""

    # The app closes only a pool it opened itself: a CLI command or test may own the pool.
    owns_pool = False

    async def start_pool() -> None:
        nonlocal owns_pool
        owns_pool = await open_pool(active_engine())

    async def stop_pool() -> None:
        if owns_pool:
            await close_pool(active_engine())

    return Litestar(
        route_handlers=[
            # Pages answer with HTML, redirects and form errors: they are not part of the API
            # contract, so the OpenAPI document holds only the JSON API and the health check.
            Router(
                path="/",
                include_in_schema=False,
                route_handlers=[
                    home,
                    login_form,
                    login,
                    logout,
                    AnswerFormController,
                    left,
                    CaseloadController,
                    OfficeController,
                    ParticipantActionsController,
                    EnrolmentController,
                    OutboxController,
                    PaperController,
                    ResearchController,
                    AdminController,
                    StudySettingsController,
                    ApiDocsController,
                    favicon,
                    create_static_files_router(path="/static", directories=[HERE / "static"], opt={PUBLIC_OPT: True}),
                    # Only the demo's made-up job seekers have a mailbox anyone may open.
                    *([DemoInboxController] if settings.demo else []),
                ],
            ),
            health,
            ApiController,
        ],
        middleware=[StaffSessionMiddleware()],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(instance=_template_engine()),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        before_send=[SecurityHeaders(https=settings.secure_cookies)],
        on_startup=[start_pool],
        on_shutdown=[stop_pool],
        state=State({"settings": settings}),
        debug=False,
    )
