"""The dashboard: a Solara app of two pages (``zonesim dashboard``; views/app.py).

levers   the levers (seed, FAR cap per zone, cash-pool threshold, return centre warehouse
         per zone) and DashboardModel, the 2024 plan with them applied
live     the live page's plots, redrawn as the model steps
study    the study page: a stored study compared scenario by scenario (studies.plots)
assets   Solara's browser code from the npm registry, for machines without its CDN
app      the app: both pages as Solara routes
"""
