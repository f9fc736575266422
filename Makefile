# CodeQuery — `make` (or `make help`) lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?= dev
NPX := npx --no-install
# Scripts run by make say make's words in their advice (YES=1, CMD=...), not their own flags.
SCRIPT := CQ_VIA_MAKE=1 $(NPX) tsx
# Installs dependencies when node_modules is missing or older than the lock file.
STAMP := node_modules/.install-stamp

# Colours when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org). The
# terminal test runs in the recipe, where stdout is the user's: `$(shell [ -t 1 ])` would test a
# pipe. COLOR=1 or COLOR=0 on the command line forces it either way; a COLOR in the environment
# is ignored (vitest workers inherit COLOR=1, for instance).
COLOR_FORCED := $(if $(filter command line,$(origin COLOR)),$(COLOR),)
USE_COLOR := [ -z "$(NO_COLOR)" ] && { [ "$(COLOR_FORCED)" = 1 ] || { [ -z "$(COLOR_FORCED)" ] && [ -t 1 ]; }; }

##@ Getting started
.PHONY: help
help: ## Show this help
	@if $(USE_COLOR); then b='\033[1m' c='\033[36m' d='\033[2m' r='\033[0m'; else b= c= d= r=; fi; \
	printf "$${b}CodeQuery$${r} — make targets\n"; \
	awk -v b="$$b" -v c="$$c" -v r="$$r" 'BEGIN {FS = ":.*?## "} \
	  /^##@/ { printf "\n%s%s%s\n", b, substr($$0, 5), r; next } \
	  /^[a-zA-Z0-9_-]+:.*?## / { printf "  %s%-14s%s %s\n", c, $$1, r, $$2 }' $(MAKEFILE_LIST); \
	printf "\n$${d}Variables: ENV=dev|staging|prod  CMD=...  ID=...  URL=...  PROJECT=...  YES=1$${r}\n"

$(STAMP): package.json package-lock.json
	@echo "Installing dependencies (npm ci): about 1–2 minutes the first time, a few seconds after that…"
	@npm ci --no-audit --no-fund
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Install dependencies (npm ci) when missing or stale

.PHONY: init
init: $(STAMP) ## Check prerequisites, install deps and git hooks, create .env
	@$(SCRIPT) scripts/init.ts $(if $(YES),--yes,)

##@ Run locally
.PHONY: dev
dev: $(STAMP) ## Run Gateway + Core locally (file store, no AWS, no ngrok): make dev [PROJECT=<dir>]
	@$(SCRIPT) scripts/dev.ts $(if $(PROJECT),--project "$(PROJECT)",)

.PHONY: core
core: $(STAMP) ## Run the Core alone (reads .env / environment)
	@npm run --silent core

.PHONY: gateway
gateway: $(STAMP) ## Run the Gateway alone (reads .env / environment)
	@npm run --silent gateway

##@ Quality
.PHONY: test
test: $(STAMP) ## Run all tests (starts moto_server itself when AWS_ENDPOINT_URL is unset)
	@$(NPX) vitest run

.PHONY: lint
lint: $(STAMP) ## eslint + TypeScript type check (two units side by side: app and Pulumi code)
	@$(MAKE) --no-print-directory -j2 --output-sync=target typecheck-app eslint typecheck-infra

# Each unit loads only its own types (the Pulumi ones are half of the whole), so the two run
# side by side; eslint and the smaller unit share the second core in about the time of the
# larger. Each one's output is printed whole when it ends (--output-sync).
.PHONY: eslint typecheck-app typecheck-infra
eslint:
	@$(NPX) eslint .
typecheck-app:
	@$(NPX) tsc -p tsconfig.app.json
typecheck-infra:
	@$(NPX) tsc -p tsconfig.infra.json

.PHONY: format
format: $(STAMP) ## Format the tree with prettier
	@$(NPX) prettier --write .

.PHONY: bench
bench: $(STAMP) ## Benchmarks: Core listing/reads and Gateway proxy overhead
	@$(NPX) tsx bench/core/run.ts
	@$(NPX) tsx bench/gateway/run.ts

##@ Deploy
.PHONY: artifact
artifact: $(STAMP) ## Build the release artifact (dist/release/codequery-release.tar.gz)
	@$(SCRIPT) scripts/build-artifact.ts

.PHONY: preview
preview: $(STAMP) ## Pulumi preview with the policy pack: make preview ENV=dev|staging|prod
	@$(SCRIPT) scripts/pulumi.ts preview --env $(ENV)

.PHONY: deploy
deploy: $(STAMP) ## Build, pulumi up, wait for health, print outputs: make deploy ENV=...
	@$(SCRIPT) scripts/pulumi.ts deploy --env $(ENV)

.PHONY: rollback
rollback: $(STAMP) ## Redeploy the app from an earlier release: make rollback ENV=... TO=v1.2.3
	@$(SCRIPT) scripts/pulumi.ts rollback --env $(ENV) $(if $(TO),--to "$(TO)",)

##@ Verification
.PHONY: smoke
smoke: $(STAMP) ## Smoke-test a Gateway: make smoke [URL=https://…] (creates and purges its own key)
	@$(SCRIPT) scripts/smoke.ts --env $(ENV) $(if $(URL),--url "$(URL)",) $(ARGS)

.PHONY: audit
audit: $(STAMP) ## Security scans: npm audit, secret scan, policy pack over every stack
	@$(SCRIPT) scripts/audit.ts $(ARGS)

##@ Operations (runbooks/README.md; add YES=1 to skip the prompt, ARGS=... for more flags)
.PHONY: api-keys
api-keys: $(STAMP) ## Manage keys: make api-keys CMD=create|list|show|rotate|revoke|restore|purge ID=… [STORE=1]
	@$(SCRIPT) scripts/api-keys.ts $(CMD) --env $(ENV) $(if $(ID),--id "$(ID)",) $(if $(STORE),--store,) $(if $(YES),--yes,) $(ARGS)

.PHONY: rotate-kms-key
rotate-kms-key: $(STAMP) ## Rotate the KMS key material now and verify rotation: make rotate-kms-key ENV=…
	@$(SCRIPT) runbooks/rotate-kms-key.ts --env $(ENV) $(if $(YES),--yes,) $(ARGS)

.PHONY: rotate-api-key
rotate-api-key: $(STAMP) ## Rotate one user key (old one works for the grace period): make rotate-api-key ID=…
	@$(SCRIPT) runbooks/rotate-api-key.ts --env $(ENV) $(if $(ID),--id "$(ID)",) $(if $(YES),--yes,) $(ARGS)

.PHONY: rotate-admin-secret
rotate-admin-secret: $(STAMP) ## New admin key and/or pepper: make rotate-admin-secret ARGS='--admin --pepper'
	@$(SCRIPT) runbooks/rotate-admin-secret.ts --env $(ENV) $(if $(YES),--yes,) $(ARGS)

.PHONY: restore
restore: $(STAMP) ## Restore the Gateway state to a time: make restore AT=2026-11-25T14:00:00Z (or ARGS=--from-backup)
	@$(SCRIPT) runbooks/restore.ts --env $(ENV) $(if $(AT),--at "$(AT)",) $(if $(YES),--yes,) $(ARGS)

.PHONY: release
release: $(STAMP) ## Version, changelog, tag, build, staging, smoke, prod: make release [ARGS=--skip-deploy]
	@$(SCRIPT) runbooks/release.ts $(if $(YES),--yes,) $(ARGS)

.PHONY: secret-scan
secret-scan: $(STAMP) ## Scan every file git knows for credentials (the pre-commit hook scans staged files)
	@$(SCRIPT) scripts/secret-scan.ts --all
