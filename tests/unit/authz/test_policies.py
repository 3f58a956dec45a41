"""Policies are checked, parsed and validated when they are loaded (idp.authz.policies):
every problem comes back to the author naming the policy, and nothing an author writes
can crash or hang the engine."""

from __future__ import annotations

import subprocess
import sys

import pytest

from idp.authz.policies import (
    MAX_BRACKET_DEPTH,
    MAX_POLICY_CHARS,
    InvalidPolicies,
    PolicySource,
    check_text,
    compile_policies,
    format_policy,
)
from tests.support.cedar_apps import documents_schema

SCHEMA = documents_schema()
GOOD = 'permit(principal in Role::"editor", action == Action::"edit", resource is Document);'


def problems(*texts: str) -> list:
    sources = [PolicySource(f"p{index}", text) for index, text in enumerate(texts)]
    with pytest.raises(InvalidPolicies) as caught:
        compile_policies(sources, SCHEMA, "1")
    return list(caught.value.problems)


def one_problem(text: str) -> str:
    (found,) = problems(text)
    assert found.policy_id == "p0"
    return found.message


def test_a_good_policy_set_compiles_under_the_authors_ids():
    policy_set = compile_policies([PolicySource("editors-edit", GOOD)], SCHEMA, "7")
    assert policy_set.version == "7"
    assert list(policy_set.policies) == ["editors-edit"]
    assert policy_set.policies["editors-edit"].effect == "permit"
    assert len(policy_set.whole) == 1


def test_a_syntax_error_names_the_policy_and_what_cedar_found():
    assert one_problem("permit(principal, action, resource) when { 1 + };").startswith(
        "syntax error: unexpected token"
    )
    assert "acton" in one_problem("permit(principal, acton, resource);")
    assert "pormit" in one_problem("pormit(principal, action, resource);")


def test_an_unknown_entity_type_is_refused():
    assert "Spreadsheet" in one_problem(
        "permit(principal, action, resource) when { resource is Spreadsheet };"
    )


def test_an_unknown_action_is_refused():
    found = problems('permit(principal, action == Action::"publish", resource);')
    assert 'unrecognized action `Action::"publish"`' in found[0].message


def test_an_unknown_attribute_is_refused():
    message = one_problem(
        'permit(principal, action == Action::"edit", resource) when { resource.colour == "red" };'
    )
    assert "colour" in message
    assert "`p0`" in message  # Cedar's positional name replaced by the author's id


def test_a_type_mismatch_is_refused():
    message = one_problem(
        'permit(principal, action == Action::"edit", resource) '
        'when { resource.classification == "secret" };'
    )
    assert "Long" in message
    assert "String" in message


def test_an_optional_attribute_used_without_has_is_refused():
    assert "department" in one_problem(
        'permit(principal is User, action, resource) when { principal.department == "x" };'
    )


def test_an_attribute_some_principals_lack_is_refused():
    # `read` is asked by clients too, and clients have no clearance
    assert "Client" in one_problem(
        'permit(principal, action == Action::"read", resource) when { principal.clearance > 1 };'
    )


def test_every_problem_is_returned_at_once():
    found = problems(GOOD, "permit(principal, acton, resource);", "forbid(principal")
    assert [problem.policy_id for problem in found] == ["p1", "p2"]


def test_a_text_holds_exactly_one_policy():
    assert "exactly one policy, not 2" in one_problem(GOOD + GOOD)


def test_templates_are_refused():
    assert "templates" in one_problem("permit(principal == ?principal, action, resource);")


def test_an_id_used_twice_is_refused():
    sources = [PolicySource("a", GOOD), PolicySource("a", GOOD)]
    with pytest.raises(InvalidPolicies, match="used by another policy"):
        compile_policies(sources, SCHEMA, "1")


@pytest.mark.parametrize("bad_id", ["", " x", "a b", "x" * 129, "é", "-start"])
def test_a_bad_id_is_refused(bad_id):
    with pytest.raises(InvalidPolicies, match="a policy id is"):
        compile_policies([PolicySource(bad_id, GOOD)], SCHEMA, "1")


def test_an_empty_text_is_refused():
    assert "empty" in one_problem("   ")


def test_a_huge_text_is_refused_before_cedar_reads_it():
    text = GOOD[:-1] + " when { " + " && ".join(["true"] * 5000) + " };"
    assert len(text) > MAX_POLICY_CHARS
    assert f"over {MAX_POLICY_CHARS} characters" in one_problem(text)


def test_a_control_character_is_refused_with_its_line_and_column():
    (found,) = problems(GOOD[:10] + "\n  \x00" + GOOD[10:])
    assert (found.message, found.line, found.column) == ("a control character in the text", 2, 3)


def test_deeply_nested_brackets_are_refused_with_their_position():
    depth = MAX_BRACKET_DEPTH + 1
    text = (
        "permit(principal, action, resource)\nwhen { " + "(" * depth + "true" + ")" * depth + " };"
    )
    (found,) = problems(text)
    assert "brackets nest deeper" in found.message
    assert found.line == 2
    assert str(found) == f"policy p0 (line 2, column {8 + MAX_BRACKET_DEPTH - 1}): {found.message}"


def test_brackets_in_strings_and_comments_do_not_count():
    parens = "(" * (MAX_BRACKET_DEPTH + 5)
    text = (
        f"// {parens}\n"
        "permit(principal is User, action, resource) "
        f'when {{ principal has department && principal.department == "{parens}" }};'
    )
    assert check_text(PolicySource("p", text)) == []
    compile_policies([PolicySource("p", text)], SCHEMA, "1")


def test_a_long_chain_of_conditions_is_refused_as_too_deep():
    text = GOOD[:-1] + " when { " + " && ".join(['context.acr == "x"'] * 400) + " };"
    assert len(text) <= MAX_POLICY_CHARS
    assert "nested too deeply" in one_problem(text)


def test_nesting_that_would_crash_cedar_is_refused_in_process():
    # A thousand nested brackets overflow cedarpy's parser stack (the process dies with
    # SIGSEGV); the check before parsing turns that into a problem. Run in a child so a
    # regression fails this test instead of killing the test run.
    code = (
        "from idp.authz.policies import PolicySource, compile_policies, InvalidPolicies\n"
        "from tests.support.cedar_apps import documents_schema\n"
        "text = 'permit(principal, action, resource) when { ' + '(' * 1000 + 'true' "
        "+ ')' * 1000 + ' };'\n"
        "try:\n"
        "    compile_policies([PolicySource('deep', text)], documents_schema(), '1')\n"
        "except InvalidPolicies as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "brackets nest deeper" in result.stdout


def test_the_digest_follows_the_policies():
    one = compile_policies([PolicySource("a", GOOD)], SCHEMA, "1")
    same = compile_policies([PolicySource("a", GOOD)], SCHEMA, "2")
    other = compile_policies([PolicySource("b", GOOD)], SCHEMA, "3")
    assert one.digest == same.digest != other.digest


def test_a_policy_is_formatted_in_cedars_layout():
    text = 'permit(principal in Role::"editor",action==Action::"edit",resource is Document)\n;'
    assert format_policy(PolicySource("p", text)) == (
        'permit (\n  principal in Role::"editor",\n  action == Action::"edit",\n'
        "  resource is Document\n);\n"
    )
    with pytest.raises(InvalidPolicies, match="syntax error"):
        format_policy(PolicySource("p", "permit(principal"))
    with pytest.raises(InvalidPolicies, match="brackets nest deeper"):
        format_policy(PolicySource("p", "permit(principal, action, resource) when {" + "(" * 999))


def test_long_chains_compile_safely_from_a_thread_with_a_small_stack():
    # `context.a.a.a...` and `1 + 1 + ...` within the size limit need more than a 2 MiB
    # stack to parse (cedarpy 4.12 crashed with SIGSEGV); Cedar parses on a stack of its
    # own, so a caller's small thread stack does not matter. In a child process, so a
    # regression fails this test instead of killing the run.
    code = (
        "import threading\n"
        "from idp.authz.policies import PolicySource, compile_policies, InvalidPolicies\n"
        "from tests.support.cedar_apps import documents_schema\n"
        "schema = documents_schema()\n"
        "head = 'permit(principal, action, resource) when { '\n"
        "texts = [head + 'context' + '.a' * 8150 + ' == 1 };',\n"
        "         head + '+'.join(['1'] * 8150) + ' == 1 };']\n"
        "def run():\n"
        "    for text in texts:\n"
        "        assert len(text) <= 16384\n"
        "        try:\n"
        "            compile_policies([PolicySource('long', text)], schema, '1')\n"
        "        except InvalidPolicies as error:\n"
        "            print(error)\n"
        "threading.stack_size(2 * 1024 * 1024)\n"
        "worker = threading.Thread(target=run)\n"
        "worker.start()\n"
        "worker.join()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["policy long: the condition is nested too deeply"] * 2
