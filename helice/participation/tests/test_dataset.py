"""The Grenoble consultation as data: the workshop proposals of the plan as official
proposals, each attached to its objective, the open questions, sources; loaded
after the plan, again without duplicates and without undoing what happened since."""

import pytest
import yaml

from helice.core.services import TerritoryDataError, territory_load_reference, territory_path
from helice.directory.services import organizations_load
from helice.participation import services
from helice.participation.models import Consultation, Origin, Proposal, ProposalState
from helice.strategy import services as strategy_services
from helice.strategy.models import Action

from .factories import OpinionFactory

GRENOBLE = territory_path("grenoble")
DATA = yaml.safe_load((GRENOBLE / "participation" / "consultation.yaml").read_text(encoding="utf-8"))
PLAN = yaml.safe_load((GRENOBLE / "strategy" / "plan.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.django_db


def load_plan():
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    strategy_services.plan_load(path=GRENOBLE)


def test_the_file_says_where_its_facts_come_from_and_invents_no_date():
    assert DATA["sources"] and all(p.get("sources") for p in DATA["proposals"])
    head = DATA["consultation"]
    assert all(head.get(key) is None for key in ("announced_on", "opens_on", "closes_on", "results_on"))
    assert len(head["questions"]) == 5 and all(q["fr"] and q["en"] for q in head["questions"])
    assert not any(p.get("example") for p in DATA["proposals"])


def test_one_official_proposal_per_plan_action_on_its_objective():
    actions = {a["code"]: a for a in PLAN["actions"]}
    assert [p["reference"] for p in DATA["proposals"]] == list(actions)
    for proposal in DATA["proposals"]:
        assert proposal["objective"] in actions[proposal["reference"]]["objectives"]


def test_the_consultation_loads_in_full_and_again_keeping_what_happened():
    load_plan()
    counts = services.consultations_load(path=GRENOBLE)
    assert counts == {"total": 1 + len(DATA["proposals"]), "created": 1 + len(DATA["proposals"]), "updated": 0}
    consultation = Consultation.objects.get()
    assert consultation.is_open and consultation.axes.count() == 5
    proposals = Proposal.objects.filter(consultation=consultation)
    assert proposals.count() == len(DATA["proposals"]) == Action.objects.count()
    assert set(proposals.values_list("origin", "state").distinct()) == {(Origin.OFFICIAL, ProposalState.PUBLISHED)}
    assert not proposals.filter(objective__isnull=True).exists()
    first = proposals.get(reference="1.1.1")
    assert first.objective.code == "1.1" and " strategi" in first.search_document
    OpinionFactory(proposal=first, value="agree")
    Proposal.objects.filter(pk=first.pk).update(state=ProposalState.EVALUATING)
    again = services.consultations_load(path=GRENOBLE)
    assert again["created"] == 0 and Proposal.objects.count() == len(DATA["proposals"])
    first.refresh_from_db()
    assert first.state == ProposalState.EVALUATING and first.agree_count == 1


def test_the_pages_show_the_grenoble_consultation(client):
    load_plan()
    services.consultations_load(path=GRENOBLE)
    consultation = Consultation.objects.get()
    html = client.get(consultation.get_absolute_url(), {"objective": "3.1", "sort": "newest"}).content.decode()
    assert "Comment renforcer la coopération entre entreprises ?" in html
    assert "Créer un portail partenarial de l&#x27;innovation" in html
    proposal = Proposal.objects.get(reference="T.1")
    page = client.get(proposal.get_absolute_url())
    assert page.status_code == 200 and "3.1." in page.content.decode()


def test_a_bad_file_loads_nothing(tmp_path):
    load_plan()
    (tmp_path / "participation").mkdir()
    bad = {
        **DATA,
        "proposals": [*DATA["proposals"], {"reference": "X", "title_fr": "x", "body_fr": "y", "objective": "9.9"}],
    }
    (tmp_path / "participation" / "consultation.yaml").write_text(
        yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(TerritoryDataError, match="unknown objective"):
        services.consultations_load(path=tmp_path)
    assert not Consultation.objects.exists() and not Proposal.objects.exists()


def test_loading_before_the_plan_is_a_clear_error():
    with pytest.raises(TerritoryDataError, match="load the strategy plan first"):
        services.consultations_load(path=GRENOBLE)
