"""Pages for expiry review and recall: the public "review due" list, a moderator's "start
the review", each contract's recall petition (sign, withdraw, live progress), the list of
recall petitions; and what they add to the contract page and its JSON."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from civic import privacy
from civic.accounts.models import User
from civic.contracts import review as reviews
from civic.contracts import scorecard, sections
from civic.contracts.blueprint import bp
from civic.contracts.models import Contract
from civic.contracts.recall import services
from civic.contracts.recall.forms import SignForm, StartReviewForm, WithdrawForm
from civic.contracts.recall.models import PetitionState
from civic.errors import Conflict
from civic.extensions import db
from civic.i18n import _
from civic.permissions import require_moderator
from civic.web import render


def _visible(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (
        contract.is_public or (current_user.is_authenticated and current_user.is_moderator)
    ):
        abort(404)
    return contract


# --- expiry review ----------------------------------------------------------------------


@bp.get("/review-due")
def review_due() -> Any:
    """Contracts ending within the review window, soonest first, with days left."""
    return render(
        "contracts/review_due.html",
        rows=reviews.due_contracts(),
        months=reviews.review_months(),
        form=StartReviewForm(),
    )


@bp.post("/<int:contract_id>/review")
@login_required
def start_review(contract_id: int) -> Any:
    contract = _visible(contract_id)
    require_moderator(current_user)  # permission first, then the (CSRF-checked) form
    if not StartReviewForm().validate_on_submit():
        abort(400)
    proposal = reviews.start_review(current_user, contract)
    flash(
        _(
            "The review has started: complete the proposal (public-interest case, options "
            "appraisal) before putting it to consultation. In-house is the default option."
        ),
        "success",
    )
    return redirect(url_for("votes.manage", proposal_id=proposal.id))


# --- recall -----------------------------------------------------------------------------


def _recall_context(contract: Contract, viewer: User | None) -> dict[str, Any]:
    petition = services.petition_for(contract)
    return {
        "contract": contract,
        "petition": petition,
        "progress": services.public_progress(contract, petition),
        "signed": services.has_signed(petition, viewer),
        "cannot_sign": services.can_sign_reason(contract, viewer),
        "open": petition is None or petition.state is PetitionState.OPEN,
    }


@bp.get("/<int:contract_id>/recall")
def recall(contract_id: int) -> Any:
    contract = _visible(contract_id)
    return render(
        "contracts/recall/petition.html",
        form=SignForm(),
        withdraw_form=WithdrawForm(),
        **_recall_context(contract, current_user),
    )


@bp.get("/<int:contract_id>/recall/progress")
def recall_progress(contract_id: int) -> Any:
    """The progress block alone, polled by htmx (a full page without htmx)."""
    contract = _visible(contract_id)
    return render(
        "contracts/recall/petition.html",
        block="progress",
        form=SignForm(),
        withdraw_form=WithdrawForm(),
        **_recall_context(contract, current_user),
    )


@bp.post("/<int:contract_id>/recall/sign")
@login_required
def recall_sign(contract_id: int) -> Any:
    contract = _visible(contract_id)
    services.require_signer(current_user, contract)  # before the form is read
    form = SignForm()
    status = 422
    if form.validate_on_submit():
        try:
            signed = services.sign(current_user, contract)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            flash(
                _(
                    "You signed the recall petition. The threshold is reached: a recall "
                    "review has started."
                )
                if signed.triggered
                else _(
                    "You signed the recall petition. You can withdraw your signature until "
                    "the threshold is reached."
                ),
                "success",
            )
            return redirect(url_for("contracts.recall", contract_id=contract.id))
    return render(
        "contracts/recall/petition.html",
        status=status,
        form=form,
        withdraw_form=WithdrawForm(),
        **_recall_context(contract, current_user),
    )


@bp.post("/<int:contract_id>/recall/withdraw")
@login_required
def recall_withdraw(contract_id: int) -> Any:
    contract = _visible(contract_id)
    withdraw_form = WithdrawForm()
    if withdraw_form.validate_on_submit():
        try:
            services.withdraw(current_user, contract)
        except Conflict as refused:
            withdraw_form.form_errors.append(refused.message)
            status = 409
        else:
            flash(_("Your signature was withdrawn."), "success")
            return redirect(url_for("contracts.recall", contract_id=contract.id))
    else:
        status = 422
    return render(
        "contracts/recall/petition.html",
        status=status,
        form=SignForm(),
        withdraw_form=withdraw_form,
        **_recall_context(contract, current_user),
    )


@bp.get("/recall")
def recall_list() -> Any:
    petitions = services.listed_petitions()
    return render(
        "contracts/recall/list.html",
        rows=[(p, services.public_progress(p.contract, p)) for p in petitions],
        step=max(1, privacy.min_electorate()),
    )


# --- the contract page and its JSON -----------------------------------------------------


@sections.section("review", "contracts/review_section.html", order=80)
def _review_section(contract: Contract, viewer: User | None) -> dict[str, Any]:
    on = reviews.today()
    return {
        "contract": contract,
        "review": reviews.review_for(contract),
        "due": reviews.is_due(contract, on),
        "days_left": (contract.last_day - on).days,
        "months": reviews.review_months(),
        "can_start": bool(viewer is not None and viewer.is_authenticated and viewer.is_moderator),
    }


@sections.section("recall", "contracts/recall/_section.html", order=90)
def _recall_section(contract: Contract, viewer: User | None) -> dict[str, Any]:
    return _recall_context(contract, viewer)


@sections.json_part("recall")
def _recall_json(contract: Contract) -> dict[str, Any]:
    petition = services.petition_for(contract)
    progress = services.public_progress(contract, petition)
    review = reviews.review_for(contract)
    return {
        "petition": {
            "state": petition.state.value if petition else "no_signatures",
            "signatures": progress["words"],
            "signatures_at_least": progress["at_least"],
            "threshold": progress["threshold"],
            "threshold_percent": progress["percent"],
            "eligible": progress["eligible"],
            "reached_at": petition.reached_at.isoformat()
            if petition and petition.reached_at
            else None,
            "recall_review_proposal": petition.review_proposal_id if petition else None,
            "url": url_for("contracts.recall", contract_id=contract.id, _external=True),
        },
        "review": {
            "due": reviews.is_due(contract, reviews.today()),
            "marked_due_at": review.due_marked_at.isoformat()
            if review and review.due_marked_at
            else None,
            "proposal": review.proposal_id if review else None,
            "default_option": reviews.DEFAULT_OPTION.value,
        },
    }


def _contract_review_of(proposal: Any) -> dict[str, Any] | None:
    """For the proposal page: the contract this proposal reviews, if any."""
    found = reviews.review_of(proposal)
    if found is None:
        return None
    contract, reason = found
    return {"contract": contract, "reason": reason}


bp.add_app_template_global(_contract_review_of, "contract_review_of")


# --- the scorecard (principle 6) --------------------------------------------------------


@scorecard.figure(6, "recall_petitions_opened")
def _petitions_opened() -> scorecard.Figure:
    listed, _reached = services.listed_counts()
    return scorecard.Figure(
        _("Recall petitions residents have taken up"),
        listed,
        None,
        url_for("contracts.recall_list"),
        _(
            "Counted once a petition has enough signatures to be listed without telling "
            "when its first few people signed."
        ),
    )


@scorecard.figure(6, "recall_petitions_reached")
def _petitions_reached() -> scorecard.Figure:
    listed, reached = services.listed_counts()
    return scorecard.Figure(
        _("Recall petitions that reached their threshold and started a recall review"),
        reached,
        listed,
        url_for("contracts.recall_list"),
    )
