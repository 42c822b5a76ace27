"""The administrator's edit form for a site page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField

from civic.i18n import lazy_gettext as _l


class SitePageForm(FlaskForm):
    # emptiness and length are checked by the service, which keeps the text on refusal
    body = TextAreaField(
        _l("Text of the page"),
        widget=GovTextArea(),
        description=_l(
            "Markdown: a blank line between paragraphs, ## for a section heading, - for a "
            "list item, [words](https://address) for a link. Anything else, such as HTML, is "
            "shown as plain text or removed."
        ),
    )
    based_on = HiddenField()
    submit = SubmitField(_l("Save a new version"), widget=GovSubmitInput())
