from livingreview.cli import app

app(prog_name="livingreview")
