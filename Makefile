# The two commands README.md opens with. Each installs what it needs.
.PHONY: demo demo-reset test lint type docs check-migrations bench messages

demo:
	bash scripts/demo.sh

# Forget the emulator's users and sessions (back to the seed) and the example site's database.
demo-reset:
	rm -f example_project/.authkit-emulator.json example_project/.emulator-state.json example_project/db.sqlite3

test:
	bash scripts/test.sh $(ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports --config .importlinter

type:
	.venv/bin/mypy

docs:
	.venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

check-migrations:
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/django-admin makemigrations --check --dry-run

bench:
	bash scripts/bench.sh $(ARGS)

# Update the translation catalogues from the sources, then compile them (needs GNU gettext).
messages:
	cd django_authkit && for lang in fr de es ja; do \
	  PYTHONPATH=.. DJANGO_SETTINGS_MODULE=tests.settings ../.venv/bin/django-admin makemessages \
	    -l $$lang --no-location --ignore 'emulator/*' --ignore 'testing/*' --ignore 'client/*'; \
	  msgfmt --check -o locale/$$lang/LC_MESSAGES/django.mo locale/$$lang/LC_MESSAGES/django.po; \
	done
