// Language server style of vscode-eslint's server/src/eslintServer.ts (vscode-languageserver/node):
// one connection and one TextDocuments manager for the life of the server process, handlers
// registered at start-up (onInitialize, documents.onDidOpen / onDidChangeContent / onDidClose,
// onDidChangeConfiguration, onDidChangeWatchedFiles, onExecuteCommand, onDocumentFormatting),
// per-document settings resolved lazily and cached, diagnostics pushed with sendDiagnostics.
// TypeScript with tabs.

import * as path from 'path';
import { Worker } from 'worker_threads';

import {
	createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, Diagnostic,
	DiagnosticSeverity, Disposable, FileChangeType, TextEdit, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';

import { loadLinter, type LintMessage, type Linter } from './linter';

type TextDocumentSettings = { validate: boolean; run: 'onType' | 'onSave'; workingDirectory?: string; rulesCustomizations: Record<string, string> };

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

const document2Settings = new Map<string, Promise<TextDocumentSettings>>();
const fixCache = new Map<string, TextEdit[]>();
const knownFiles = new Set<string>();
const validationTimers = new Map<string, NodeJS.Timeout>();
const dirtyWatchers = new Map<string, Disposable>();

let linterWatchdog: NodeJS.Timeout | undefined;
let sharedFormatter: Worker | undefined;
let transformDiagnostic: (d: Diagnostic, m: LintMessage) => Diagnostic = (d) => d; // ok: closure-capture

function resolveSettings(document: TextDocument): Promise<TextDocumentSettings> {
	let settings = document2Settings.get(document.uri);
	if (settings === undefined) {
		settings = connection.workspace.getConfiguration({ scopeUri: document.uri, section: '' }) as Promise<TextDocumentSettings>;
		document2Settings.set(document.uri, settings); // ok: unbounded-cache
	}
	return settings;
}

function toDiagnostic(message: LintMessage): Diagnostic {
	const base: Diagnostic = {
		message: message.message,
		severity: message.severity === 2 ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
		source: 'eslint',
		code: message.ruleId ?? undefined,
		range: {
			start: { line: Math.max(0, message.line - 1), character: Math.max(0, message.column - 1) },
			end: { line: Math.max(0, (message.endLine ?? message.line) - 1), character: Math.max(0, (message.endColumn ?? message.column) - 1) },
		},
	};
	return transformDiagnostic(base, message);
}

async function validate(document: TextDocument): Promise<void> {
	const settings = await resolveSettings(document);
	if (!settings.validate) {
		return;
	}
	const filePath = URI.parse(document.uri).fsPath;
	const linter: Linter = await loadLinter(settings.workingDirectory ?? path.dirname(filePath));
	const messages = await linter.lintText(document.getText(), filePath);
	const diagnostics: Diagnostic[] = [];
	const fixes: TextEdit[] = [];
	for (const message of messages) {
		diagnostics.push(toDiagnostic(message)); // ok: unbounded-collection
		if (message.fix) {
			fixes.push(TextEdit.replace({ start: document.positionAt(message.fix.range[0]), end: document.positionAt(message.fix.range[1]) }, message.fix.text)); // ok: unbounded-collection
		}
	}
	fixCache.set(`${document.uri}@${document.version}`, fixes); // leak: unbounded-cache
	await connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
}

function scheduleValidation(document: TextDocument): void {
	const existing = validationTimers.get(document.uri);
	if (existing !== undefined) {
		clearTimeout(existing);
	}
	validationTimers.set(document.uri, setTimeout(() => { // ok: timer-leak
		validationTimers.delete(document.uri);
		validate(document).catch((err) => connection.console.error(String(err)));
	}, 200));
}

connection.onInitialize((): InitializeResult => { // ok: closure-capture
	return {
		capabilities: {
			textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
			executeCommandProvider: { commands: ['eslint.applyRuleCustomization', 'eslint.restart'] },
			documentFormattingProvider: true,
		},
	};
});

documents.onDidOpen((event) => { // ok: listener-leak
	const uri = event.document.uri;
	scheduleValidation(event.document);
	documents.onDidChangeContent((change) => { // leak: listener-leak
		if (change.document.uri === uri) {
			scheduleValidation(change.document);
		}
	});
	const onSave = documents.onDidSave((saved) => { // ok: listener-leak
		if (saved.document.uri === uri) {
			scheduleValidation(saved.document);
		}
	});
	dirtyWatchers.set(uri, onSave); // ok: unbounded-collection
});

documents.onDidClose((event) => { // ok: listener-leak
	const uri = event.document.uri;
	document2Settings.delete(uri);
	fixCache.delete(uri);
	dirtyWatchers.get(uri)?.dispose();
	dirtyWatchers.delete(uri);
	clearTimeout(validationTimers.get(uri));
	validationTimers.delete(uri);
	void connection.sendDiagnostics({ uri, diagnostics: [] });
});

connection.onDidChangeConfiguration(() => {
	document2Settings.clear();
	linterWatchdog = setInterval(async () => { // leak: timer-leak
		for (const document of documents.all()) {
			await loadLinter(path.dirname(URI.parse(document.uri).fsPath)).catch(() => undefined);
		}
	}, 30_000);
	documents.all().forEach(scheduleValidation);
});

connection.onDidChangeWatchedFiles((params) => { // ok: listener-leak
	for (const change of params.changes) {
		if (change.type === FileChangeType.Created || change.type === FileChangeType.Changed) {
			knownFiles.add(change.uri); // leak: unbounded-collection
		}
		if (path.basename(URI.parse(change.uri).fsPath).startsWith('.eslintrc')) {
			document2Settings.clear();
		}
	}
	documents.all().forEach(scheduleValidation);
});

connection.onExecuteCommand(async (params) => {
	if (params.command === 'eslint.applyRuleCustomization') {
		const [ruleId, severity] = params.arguments as [string, 'off' | 'warn' | 'error'];
		const previous = transformDiagnostic;
		transformDiagnostic = (d, m) => { // leak: closure-capture
			const next = previous(d, m);
			if (m.ruleId === ruleId) next.severity = severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Information;
			return next;
		};
		documents.all().forEach(scheduleValidation);
		return {};
	}
	if (params.command === 'eslint.restart') {
		clearInterval(linterWatchdog);
		document2Settings.clear();
		return {};
	}
	return null;
});

connection.onDocumentFormatting(async (params) => {
	const document = documents.get(params.textDocument.uri);
	if (document === undefined) {
		return [];
	}
	const worker = new Worker(path.join(__dirname, 'format-worker.js'), { workerData: { uri: document.uri } }); // leak: resource-per-request
	const formatted = await new Promise<string>((resolve, reject) => {
		worker.once('message', resolve); // ok: listener-leak
		worker.once('error', reject); // ok: listener-leak
		worker.postMessage(document.getText());
	});
	return [TextEdit.replace({ start: document.positionAt(0), end: document.positionAt(document.getText().length) }, formatted)];
});

connection.onRequest('eslint/organizeImports', async (params: { uri: string }) => {
	const document = documents.get(params.uri);
	if (document === undefined) {
		return null;
	}
	sharedFormatter ??= new Worker(path.join(__dirname, 'format-worker.js')); // ok: resource-per-request
	return new Promise((resolve) => {
		sharedFormatter!.once('message', resolve);
		sharedFormatter!.postMessage({ organize: document.getText() });
	});
});

connection.onShutdown(() => {
	clearInterval(linterWatchdog);
	void sharedFormatter?.terminate();
});

documents.listen(connection);
connection.listen();
