// Format .df documents with `dfc fmt -` (format on save is on by default for the language).
// No language server: dfc runs once per format request. When the text does not parse, the
// document is left alone and dfc's errors appear in the Problems panel until the next format.
'use strict';
const vscode = require('vscode');
const { spawn } = require('child_process');

// One `path:line:col: severity[CODE]: message` line of `--diagnostic-format short`.
const SHORT = /^(.*?):(\d+):(\d+): (error|warning)\[(\w+)\]: (.*)$/;

function run(command, args, input, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: String(e) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function diagnosticsOf(stderr, document) {
  const out = [];
  for (const line of stderr.split('\n')) {
    const m = SHORT.exec(line);
    if (!m) continue;
    const at = new vscode.Position(Number(m[2]) - 1, Number(m[3]) - 1);
    const severity =
      m[4] === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
    const d = new vscode.Diagnostic(document.validateRange(new vscode.Range(at, at.translate(0, 1))), m[6], severity);
    d.code = m[5];
    d.source = 'dfc fmt';
    out.push(d);
  }
  return out;
}

function activate(context) {
  const problems = vscode.languages.createDiagnosticCollection('dfc fmt');
  context.subscriptions.push(problems);
  const provider = {
    async provideDocumentFormattingEdits(document) {
      const dfc = vscode.workspace.getConfiguration('dfc').get('path', 'dfc');
      const folder = vscode.workspace.getWorkspaceFolder(document.uri);
      const name = vscode.workspace.asRelativePath(document.uri, false);
      const args = ['fmt', '--diagnostic-format', 'short', '--stdin-filepath', name, '-'];
      const text = document.getText();
      const result = await run(dfc, args, text, folder ? folder.uri.fsPath : undefined);
      if (result.code !== 0) {
        problems.set(document.uri, diagnosticsOf(result.stderr, document));
        if (result.code !== 1) vscode.window.showWarningMessage(`dfc fmt: ${result.stderr.trim()}`);
        return [];
      }
      problems.delete(document.uri);
      if (result.stdout === text) return [];
      const whole = document.validateRange(new vscode.Range(0, 0, document.lineCount, 0));
      return [vscode.TextEdit.replace(whole, result.stdout)];
    },
  };
  context.subscriptions.push(vscode.languages.registerDocumentFormattingEditProvider('df', provider));
}

module.exports = { activate, deactivate() {} };
