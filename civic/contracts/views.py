"""The public register: list and contract pages."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from civic.contracts import sections
from civic.contracts.blueprint import bp
from civic.contracts.models import Contract
from civic.extensions import db


@bp.get("/<int:contract_id>")
def contract_detail(contract_id: int) -> str:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (
        contract.is_public or (current_user.is_authenticated and current_user.is_moderator)
    ):
        abort(404)
    return render_template(
        "contracts/contract_detail.html",
        contract=contract,
        sections=sections.render_context(contract, current_user),
    )
