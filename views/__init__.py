"""The dashboard: a Solara app of two pages (``zonesim dashboard``; views/app.py).

levers   the levers (seed, FAR cap per zone, cash-pool threshold, and any measure's zones,
         start month and promotion intensity) and DashboardModel, the 2024 plan with them
panel    the live page's sidebar: Mesa's ModelController and the lever inputs
live     the live page's plots, redrawn as the model steps: Mesa's plot components over the
         model's DataCollector, and plots per zone and per measure
study    the study page: a stored study compared scenario by scenario (studies.plots)
assets   Solara's browser code from the npm registry, for machines without its CDN
app      the app: both pages as Solara routes, under zonesim's title
"""
