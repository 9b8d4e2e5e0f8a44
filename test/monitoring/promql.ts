import { parser } from '@prometheus-io/lezer-promql';
import type { MetricCatalogue } from './metric-catalogue.ts';

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** One vector selector of an expression, e.g. `foo_total{job="x", code!~"2.."}`. */
export interface Selector {
  /** The metric name, from the identifier or a `__name__="..."` matcher; undefined if neither. */
  metric: string | undefined;
  matchers: Matcher[];
  text: string;
}

export interface ParsedPromql {
  selectors: Selector[];
  /** The text at each syntax error; empty when the expression parses. */
  syntaxErrors: string[];
}

function unquote(literal: string): string {
  // PromQL strings are Go strings: "..." with escapes, '...' likewise, `...` raw.
  if (literal.startsWith('`')) return literal.slice(1, -1);
  const body = literal.slice(1, -1);
  return JSON.parse(
    `"${literal.startsWith("'") ? body.replaceAll('"', '\\"').replaceAll("\\'", "'") : body}"`,
  ) as string;
}

/**
 * The selectors of a PromQL expression and its syntax errors, from Prometheus's own grammar
 * (@prometheus-io/lezer-promql, the one the Prometheus UI uses).
 */
export function parsePromql(expr: string): ParsedPromql {
  const selectors: Selector[] = [];
  const syntaxErrors: string[] = [];
  const text = (node: { from: number; to: number }): string => expr.slice(node.from, node.to);
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.isError) {
        syntaxErrors.push(`at ${ref.from}: "${expr.slice(Math.max(0, ref.from - 10), ref.to + 10)}"`);
        return;
      }
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const identifier = node.getChild('Identifier');
      const matchers: Matcher[] = [];
      const list = node.getChild('LabelMatchers');
      for (const matcher of list === null ? [] : list.getChildren('UnquotedLabelMatcher')) {
        const label = matcher.getChild('LabelName');
        const op = matcher.getChild('MatchOp');
        const value = matcher.getChild('StringLiteral');
        if (label === null || op === null || value === null) continue; // a syntax error, reported above
        matchers.push({ label: text(label), op: text(op) as Matcher['op'], value: unquote(text(value)) });
      }
      const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
      selectors.push({
        metric: identifier === null ? byName?.value : text(identifier),
        matchers: matchers.filter((m) => m !== byName),
        text: text(node),
      });
    },
  });
  return { selectors, syntaxErrors };
}

/**
 * What is wrong with an expression for this project: syntax errors, metrics the catalogue does not
 * list, matchers on labels the metric does not have, and selectors not bounded by the job label.
 * Empty when nothing is.
 */
export function promqlProblems(expr: string, catalogue: MetricCatalogue, job: string): string[] {
  const { selectors, syntaxErrors } = parsePromql(expr);
  const problems = syntaxErrors.map((e) => `syntax error ${e}`);
  if (selectors.length === 0) problems.push('selects no metric');
  for (const selector of selectors) {
    if (selector.metric === undefined) {
      problems.push(`${selector.text}: no metric name`);
      continue;
    }
    const spec = catalogue.lookup(selector.metric);
    if (spec === undefined) {
      problems.push(`${selector.text}: ${selector.metric} is not in the metric catalogue`);
      continue;
    }
    for (const { label } of selector.matchers) {
      if (!spec.labels.has(label)) {
        problems.push(`${selector.text}: ${spec.metric.name} has no label "${label}"`);
      }
    }
    if (!selector.matchers.some((m) => m.label === 'job' && m.op === '=' && m.value === job)) {
      problems.push(`${selector.text}: not bounded by job="${job}"`);
    }
  }
  return problems;
}
