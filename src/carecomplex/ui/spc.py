from carecomplex.ui import charts as ch


def spc_option(arms, *, title, unit, change=(), start_week=0):
    return ch.arms_chart(title, unit, [a for a, _ in arms], [x for _, x in arms])


def spc_caption(arms, change=()):
    return "STUB"
