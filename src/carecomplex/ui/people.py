import solara


@solara.component
def NetworkView(session, tick):
    solara.Markdown("STUB network")


JourneyView = NetworkView
FamilyView = NetworkView
