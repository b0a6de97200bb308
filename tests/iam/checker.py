"""Every recorded call against the role that made it, in the synthesized templates.

For each call: the function is the Lambda function whose ``Handler`` is the recorded handler; the role is
that function's role, or, for a call signed with ``AssumeRole`` credentials, the template role with that
ARN. Each IAM action the call needs must be allowed by the role's statements on every resource it touches;
an ``AssumeRole`` must also be admitted by the target role's trust policy; a call on an encrypted table or
topic must be allowed the KMS actions it implies, by the role and by the key's policy. What the roles allow
and no call used is collected for ``unused``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from tests.iam import kms, resources
from tests.iam.authorization import ServiceAuthorization
from tests.iam.policy import (
    PrincipalMatch,
    Request,
    Verdict,
    action_matches,
    decide,
    decide_resource_policy,
)
from tests.iam.recorded import RecordedCall, RecordedFunction
from tests.iam.render import Renderer, Unrenderable, World, world_of
from tests.iam.resources import TASK_TOKEN_ISSUER, Access, DerivationError
from tests.iam.state_machines import definition_calls
from tests.iam.templates import Resource, Statement, Templates, as_list

RoleKey = tuple[str, str]  # (stack, logical id)


@dataclass(frozen=True, order=True)
class Finding:
    """A call the templates do not allow: who, what, on which resource, and why not."""

    function: str
    principal: str
    action: str
    resource: str
    problem: str

    def __str__(self) -> str:
        return f"{self.function} ({self.principal}): {self.action} on {self.resource}: {self.problem}"


@dataclass(frozen=True, order=True)
class Unused:
    """An action pattern a role allows that no recorded call needed.

    ``role`` is the handler of the function that runs as the role, ``state machine <id>``, or ``role <name>``.
    """

    role: str
    action: str
    where: str
    state_machine: bool = False

    def __str__(self) -> str:
        return f"{self.role}: {self.action} ({self.where})"


@dataclass
class Coverage:
    findings: set[Finding] = field(default_factory=set)
    used: dict[RoleKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    handlers_seen: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Caller:
    function: RecordedFunction
    template_function: Resource
    role: Resource
    principal: str  # for messages
    world: World
    renderer: Renderer


class Checker:
    def __init__(self, templates: Templates, facts: ServiceAuthorization) -> None:
        self.templates = templates
        self.facts = facts

    def check(self, calls: Iterable[RecordedCall]) -> Coverage:
        coverage = Coverage()
        for call in calls:
            coverage.handlers_seen.add(call.function.handler)
            for finding in self._check_call(call, coverage):
                coverage.findings.add(finding)
        return coverage

    # ----- one call ------------------------------------------------------------------------------

    def _check_call(self, call: RecordedCall, coverage: Coverage) -> Iterator[Finding]:
        operation = f"{call.service}.{call.operation}"
        try:
            caller = self._caller(call)
        except LookupError as error:
            yield Finding(call.function.handler, call.principal or "its role", operation, "-", str(error))
            return
        try:
            needed = resources.accesses(call, self.facts)
        except DerivationError as error:
            yield Finding(call.function.handler, caller.principal, operation, "-", str(error))
            return
        statements = self.templates.identity_statements(caller.role)
        used = coverage.used[(caller.role.stack, caller.role.logical_id)]
        for access in needed:
            used.add(access.action)
            for resource in self._resources(access, caller):
                verdict = decide(
                    statements, Request(access.action, resource, access.context), caller.renderer.render
                )
                if not verdict.allowed:
                    yield self._finding(caller, access.action, resource, _why_not(verdict, caller.role))
                if access.action.lower() == "sts:assumerole":
                    yield from self._check_trust(caller, resource, access)
                for use in kms.key_uses(
                    call.prefix, call.operation, resource, self.templates, caller.renderer
                ):
                    yield from self._check_key_use(caller, use, statements, used)

    def _caller(self, call: RecordedCall) -> _Caller:
        functions = self.templates.functions(call.function.handler)
        if len(functions) != 1:
            raise LookupError(f"{len(functions)} functions in the templates run this handler")
        (function,) = functions
        world = world_of(
            function,
            call.function.environment,
            partition=call.partition,
            region=call.region,
            account=call.account,
        )
        renderer = Renderer(self.templates, world)
        if call.principal is None:
            role = self.templates.role_of(function)
            if role is None:
                raise LookupError(f"{function.describe()} has no role in the templates")
            return _Caller(call.function, function, role, f"its role {role.describe()}", world, renderer)
        role = self._role_with_arn(call.principal, renderer)
        if role is None:
            raise LookupError(f"no template defines the role {call.principal} it acts as")
        return _Caller(call.function, function, role, call.principal, world, renderer)

    def _role_with_arn(self, arn: str, renderer: Renderer) -> Resource | None:
        for role in self.templates.resources("AWS::IAM::Role"):
            try:
                if renderer.arn(role) == arn:
                    return role
            except Unrenderable:
                continue
        return None

    def _resources(self, access: Access, caller: _Caller) -> list[str]:
        if access.resources != (TASK_TOKEN_ISSUER,):
            return list(access.resources)
        issuers = [
            machine
            for machine in self.templates.resources("AWS::StepFunctions::StateMachine")
            if machine.stack == caller.template_function.stack
            and definition_calls(machine, self.templates).waits_for_task_token
        ]
        return [caller.renderer.arn(machine) for machine in issuers] or [TASK_TOKEN_ISSUER]

    def _check_trust(self, caller: _Caller, target_arn: str, access: Access) -> Iterator[Finding]:
        target_account = target_arn.split(":")[4]
        target_renderer = Renderer(self.templates, caller.world.acting_in(target_account))
        target = self._role_with_arn(target_arn, target_renderer)
        if target is None:
            yield self._finding(caller, access.action, target_arn, "no template defines the role it assumes")
            return
        caller_arn = caller.renderer.arn(caller.role)
        verdict, how = decide_resource_policy(
            self.templates.trust_statements(target),
            Request("sts:AssumeRole", target_arn, access.context),
            target_renderer.render,
            principal_arn=caller_arn,
            principal_account=caller.world.account,
            partition=caller.world.partition,
        )
        if not verdict.allowed:
            yield self._finding(
                caller,
                access.action,
                target_arn,
                f"the trust policy of {target.describe()} does not admit {caller_arn}" + _notes(verdict),
            )
        elif how == PrincipalMatch.ACCOUNT and target_account != caller.world.account:
            yield self._finding(
                caller, access.action, target_arn, f"{target.describe()} trusts the account, not {caller_arn}"
            )

    def _check_key_use(
        self, caller: _Caller, use: kms.KeyUse, statements: list[Statement], used: set[str]
    ) -> Iterator[Finding]:
        context = {
            "kms:ViaService": use.via_service,
            "kms:CallerAccount": caller.world.account,
            "aws:PrincipalAccount": caller.world.account,
        }
        principal_arn = caller.renderer.arn(caller.role)
        key_statements = self.templates.key_statements(use.key)
        for action in use.actions:
            used.add(action)
            request = Request(action, use.key_arn, context)
            verdict = decide(statements, request, caller.renderer.render)
            if not verdict.allowed:
                yield self._finding(
                    caller, action, use.key_arn, f"{use.because}; {_why_not(verdict, caller.role)}"
                )
            key_verdict, _ = decide_resource_policy(
                key_statements,
                request,
                caller.renderer.render,
                principal_arn=principal_arn,
                principal_account=caller.world.account,
                partition=caller.world.partition,
            )
            if not key_verdict.allowed:
                yield self._finding(
                    caller,
                    action,
                    use.key_arn,
                    f"{use.because}; the key policy of {use.key.describe()} does not allow it to "
                    f"{principal_arn} or its account" + _notes(key_verdict),
                )

    def _finding(self, caller: _Caller, action: str, resource: str, problem: str) -> Finding:
        return Finding(caller.function.handler, caller.principal, action, resource, problem)

    # ----- what no call used ---------------------------------------------------------------------

    def unused(self, coverage: Coverage) -> list[Unused]:
        """Allowed action patterns of every role that made calls, and of every state machine role."""
        found: list[Unused] = []
        for (stack, logical_id), used in sorted(coverage.used.items()):
            role = self.templates.resource(stack, logical_id)
            found += _unused_of(role, self.templates, used, self.role_label(role))
        for machine in self.templates.resources("AWS::StepFunctions::StateMachine"):
            role = self.templates.role_of(machine)
            if role is None:
                continue
            calls = definition_calls(machine, self.templates)
            used = {"lambda:InvokeFunction"} if calls.functions else set()
            used |= {"states:StartExecution"} if calls.state_machines else set()
            found += _unused_of(
                role, self.templates, used, f"state machine {machine.describe()}", state_machine=True
            )
        return sorted(found)

    def role_label(self, role: Resource) -> str:
        """The handler whose function runs as ``role``, else the role's name."""
        for function in self.templates.resources("AWS::Lambda::Function"):
            if self.templates.role_of(function) == role:
                return str(function.properties.get("Handler"))
        return f"role {role.properties.get('RoleName', role.describe())}"

    def handlers(self) -> set[str]:
        return {
            str(function.properties["Handler"])
            for function in self.templates.resources("AWS::Lambda::Function")
        }


def _unused_of(
    role: Resource, templates: Templates, used: set[str], label: str, *, state_machine: bool = False
) -> list[Unused]:
    found = []
    for statement in templates.identity_statements(role):
        if statement.body.get("Effect") != "Allow":
            continue
        for pattern in as_list(statement.body.get("Action", [])):
            if not any(action_matches(str(pattern), action) for action in used):
                sid = statement.body.get("Sid")
                where = statement.where + (f" ({sid})" if sid else "")
                found.append(Unused(label, str(pattern), where, state_machine))
    return found


def _why_not(verdict: Verdict, role: Resource) -> str:
    if verdict.denied_by:
        return f"denied by {', '.join(verdict.denied_by)}"
    return f"no statement of {role.describe()} allows it" + _notes(verdict)


def _notes(verdict: Verdict) -> str:
    return f" (not understood: {'; '.join(verdict.unresolved)})" if verdict.unresolved else ""


def findings_by_function(findings: Iterable[Finding]) -> Mapping[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(findings):
        grouped[finding.function].append(finding)
    return grouped
