"""The request portal's users: a Cognito user pool with the portal's groups and its public app client.

Administrators create the users (there is no self sign-up) and put them in groups; the portal function
signs them in with USER_PASSWORD_AUTH on the app client, and the HTTP API's JWT authorizer checks the ID
token on every ``/portal/app/`` route (``WebApi.route_portal``).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks.nag import acknowledge

# Custom attributes (the tokens carry them as ``custom:<name>``): the 12-digit account a consumer
# requests for, and the comma-separated producer accounts an owner decides for.
CONSUMER_ACCOUNT_ATTRIBUTE = "consumer_account"
OWNER_ACCOUNTS_ATTRIBUTE = "owner_accounts"
# Cognito's limit for a custom string attribute.
_MAX_ATTRIBUTE_LENGTH = 2048

GROUPS: Mapping[str, str] = {
    "consumers": "lakegate portal: discover the catalog and request access for custom:consumer_account",
    "owners": "lakegate portal: decide the pending requests for the accounts in custom:owner_accounts",
    "admins": "lakegate portal: see and decide every request",
}
# Lower wins when Cognito must pick one group (only for a group's IAM role, which these groups lack).
_PRECEDENCE = {"admins": 0, "owners": 10, "consumers": 20}
_Risk = cognito.CfnUserPoolRiskConfigurationAttachment

ID_TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.hours(12)


class PortalUserPool(Construct):
    """The portal's user pool, its groups and its app client; kept (and protected) on stack deletion."""

    def __init__(self, scope: Construct, construct_id: str, *, portal_url: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={
                CONSUMER_ACCOUNT_ATTRIBUTE: cognito.StringAttribute(min_len=12, max_len=12, mutable=True),
                OWNER_ACCOUNTS_ATTRIBUTE: cognito.StringAttribute(
                    min_len=12, max_len=_MAX_ATTRIBUTE_LENGTH, mutable=True
                ),
            },
            # An address change takes effect only once the new address is verified.
            keep_original=cognito.KeepOriginalAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                password_history_size=5,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True, email=False),
            # Threat protection (formerly advanced security) needs the Plus plan. Full function: sign-ins
            # and password changes with credentials known to be leaked are blocked (see below).
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Your lakegate portal account",
                email_body=(
                    "An account was created for you on the lakegate data access portal. "
                    "Username: {username} Temporary password: {####} "
                    f"Sign in at {portal_url} and choose your own password within 3 days."
                ),
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            "MFA is optional (TOTP only, no SMS): portal users are employees created by an administrator, "
            "not the public, and the portal signs in through its own page, which answers only the "
            "NEW_PASSWORD_REQUIRED challenge. Threat protection blocks credentials known to be leaked.",
            "AwsSolutions-COG2",
        )

        self.groups = {
            name: cognito.CfnUserPoolGroup(
                self,
                f"{name.capitalize()}Group",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=name,
                description=description,
                precedence=_PRECEDENCE[name],
            )
            for name, description in GROUPS.items()
        }

        custom = [f"custom:{CONSUMER_ACCOUNT_ATTRIBUTE}", f"custom:{OWNER_ACCOUNTS_ATTRIBUTE}"]
        self.client = self.user_pool.add_client(
            "PortalClient",
            user_pool_client_name="lakegate-portal",
            generate_secret=False,
            # ALLOW_USER_PASSWORD_AUTH (and ALLOW_REFRESH_TOKEN_AUTH, which Cognito always adds).
            auth_flows=cognito.AuthFlow(user_password=True),
            disable_o_auth=True,
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=ID_TOKEN_VALIDITY,
            access_token_validity=ID_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            enable_token_revocation=True,
            # What the portal reads from the ID token.
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(*custom),
            # Users may change only their display name with their own token: the accounts they act for
            # (the custom attributes) and their address are set by administrators.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )

        # Full-function threat protection: block a sign-in or password change with credentials known to
        # be leaked. Adaptive authentication only blocks high risk: the portal function calls Cognito, so
        # Cognito sees the function's address rather than the user's (a public client cannot pass the
        # user's context data), and an MFA step up would be a challenge the portal does not answer.
        leaked_credentials = _Risk.CompromisedCredentialsRiskConfigurationTypeProperty(
            actions=_Risk.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK"),
            event_filter=["SIGN_IN", "PASSWORD_CHANGE"],
        )
        account_takeover = _Risk.AccountTakeoverRiskConfigurationTypeProperty(
            actions=_Risk.AccountTakeoverActionsTypeProperty(
                low_action=_takeover_action("NO_ACTION"),
                medium_action=_takeover_action("NO_ACTION"),
                high_action=_takeover_action("BLOCK"),
            )
        )
        self.threat_protection = _Risk(
            self,
            "ThreatProtection",
            user_pool_id=self.user_pool.user_pool_id,
            client_id="ALL",
            compromised_credentials_risk_configuration=leaked_credentials,
            account_takeover_risk_configuration=account_takeover,
        )


def _takeover_action(
    event_action: str,
) -> _Risk.AccountTakeoverActionTypeProperty:
    # No notification: it would need an SES identity the deployment does not have.
    return _Risk.AccountTakeoverActionTypeProperty(event_action=event_action, notify=False)
