"""Words and tables for people: the explanation of a settlement, the settlement sheet
(一站式结算单) and the policy's parameters in force."""
