"""Who may change the plan: strategy managers (and administrators, who hold every
role). Everyone may read it: the plan is public."""

import rules

from helice.core.roles import is_strategy_manager

rules.add_perm("strategy.manage_plan", is_strategy_manager)
