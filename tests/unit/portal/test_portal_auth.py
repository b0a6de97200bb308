"""The portal's claims, groups and CSRF check."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lakegate.portal.auth import (
    MAY_DECIDE,
    MAY_REQUEST,
    CsrfRejected,
    Forbidden,
    NotSignedIn,
    bearer_token,
    check_csrf,
    claim_values,
    csrf_token,
    require_group,
    user_from_claims,
)

CONSUMER = "444455556666"
PRODUCER = "222222222222"


@pytest.mark.parametrize(
    ("value", "values"),
    [
        (["consumers", "owners"], ("consumers", "owners")),
        ("[consumers owners]", ("consumers", "owners")),
        ("[consumers]", ("consumers",)),
        ("[]", ()),
        ("consumers", ("consumers",)),
        (f"{PRODUCER},111122223333", (PRODUCER, "111122223333")),
        (f" {PRODUCER} , 111122223333 ", (PRODUCER, "111122223333")),
        ("", ()),
        (None, ()),
    ],
)
def test_a_multi_valued_claim_is_read_from_a_list_or_as_api_gateway_flattens_it(
    value: Any, values: tuple[str, ...]
) -> None:
    assert claim_values(value) == values


@pytest.mark.parametrize("groups", ["[consumers owners]", ["consumers", "owners"]])
def test_the_user_is_read_from_the_claims_in_either_form(groups: Any) -> None:
    user = user_from_claims(
        {
            "cognito:username": "carol",
            "email": "carol@example.com",
            "cognito:groups": groups,
            "custom:consumer_account": CONSUMER,
            "custom:owner_accounts": f"{PRODUCER},not-an-account",
        }
    )

    assert (user.username, user.email) == ("carol", "carol@example.com")
    assert user.groups == {"consumers", "owners"}
    assert user.consumer_account == CONSUMER
    assert user.owner_accounts == {PRODUCER}  # a malformed account is ignored, never matched


def test_claims_without_a_user_name_are_not_a_signed_in_user() -> None:
    with pytest.raises(NotSignedIn):
        user_from_claims({})
    with pytest.raises(NotSignedIn):
        user_from_claims(None)


def test_owners_decide_for_their_accounts_only_and_admins_for_every_account() -> None:
    owner = user_from_claims(
        {"cognito:username": "olivia", "cognito:groups": "[owners]", "custom:owner_accounts": PRODUCER}
    )
    admin = user_from_claims({"cognito:username": "ada", "cognito:groups": "[admins]"})
    listed_but_not_owner = user_from_claims(
        {"cognito:username": "carl", "cognito:groups": "[consumers]", "custom:owner_accounts": PRODUCER}
    )

    assert owner.may_decide_for(PRODUCER) and not owner.may_decide_for("111122223333")
    assert admin.may_decide_for(PRODUCER) and admin.may_decide_for("111122223333")
    assert not listed_but_not_owner.may_decide_for(PRODUCER)


def test_consumers_request_for_their_own_account_only_and_admins_for_any() -> None:
    consumer = user_from_claims(
        {"cognito:username": "carol", "cognito:groups": "[consumers]", "custom:consumer_account": CONSUMER}
    )
    admin = user_from_claims({"cognito:username": "ada", "cognito:groups": "[admins]"})
    owner = user_from_claims(
        {"cognito:username": "olivia", "cognito:groups": "[owners]", "custom:consumer_account": CONSUMER}
    )

    assert consumer.may_request_for(CONSUMER) and not consumer.may_request_for("111122223333")
    assert admin.may_request_for("111122223333")
    assert not owner.may_request_for(CONSUMER)


def test_a_page_refuses_a_user_in_none_of_its_groups_and_names_them() -> None:
    consumer = user_from_claims({"cognito:username": "carol", "cognito:groups": "[consumers]"})
    admin = user_from_claims({"cognito:username": "ada", "cognito:groups": "[admins]"})

    require_group(consumer, MAY_REQUEST)
    require_group(admin, MAY_DECIDE)
    with pytest.raises(Forbidden, match='"owners" or "admins"'):
        require_group(consumer, MAY_DECIDE)


def test_the_csrf_value_is_the_start_of_the_tokens_sha256() -> None:
    token = "eyJ.header.payload"
    expected = hashlib.sha256(token.encode()).hexdigest()[:32]

    assert csrf_token(token) == expected
    check_csrf(expected, token)


@pytest.mark.parametrize(
    ("submitted", "token"),
    [
        (None, "eyJ.token"),
        ("", "eyJ.token"),
        (csrf_token("another.token"), "eyJ.token"),
        (csrf_token("eyJ.token")[:-1], "eyJ.token"),
        ("", ""),  # no token: nothing can match, not even an empty field
    ],
)
def test_a_form_without_this_sessions_csrf_value_is_rejected(submitted: str | None, token: str) -> None:
    with pytest.raises(CsrfRejected):
        check_csrf(submitted, token)


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"authorization": "Bearer abc.def"}, "abc.def"),
        ({"Authorization": "bearer abc.def"}, "abc.def"),
        ({"authorization": "abc.def"}, "abc.def"),
        ({}, ""),
        (None, ""),
    ],
)
def test_the_bearer_token_is_read_from_the_authorization_header(
    headers: dict[str, str] | None, token: str
) -> None:
    assert bearer_token(headers) == token
