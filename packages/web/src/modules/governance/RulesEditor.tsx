import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import { GOVERNANCE_CLASSES, type GovernanceClass, type PolicyRule, type Verdict } from '@paddock/protocol';
import { Button } from '../../components/Button';
import { IconButton } from '../../components/IconButton';
import { controlClass } from '../../components/Field';
import { cn } from '../../components/cn';
import { errorsUnder } from '../../api/fieldErrors';
import { CLASS_LABELS, MATCH_FIELDS, VERDICT_LABELS, matchForClass } from './governanceWords';

/** A rule being edited: a key of its own for React, since new rules have no id until saved. */
export type DraftRule = PolicyRule & { key: string };

let nextKey = 0;
export const draftRules = (rules: PolicyRule[]): DraftRule[] => rules.map((r) => ({ ...r, key: `rule-${nextKey++}` }));
/** What is sent: each match trimmed to its class's keys, without the editor's key. */
export const savedRules = (rules: DraftRule[]): PolicyRule[] =>
  rules.map(({ key: _key, ...r }) => ({ ...r, match: matchForClass(r.class, r.match) }));

const VERDICTS: Verdict[] = ['allow', 'ask', 'deny'];

interface RulesEditorProps {
  rules: DraftRule[];
  onChange: (rules: DraftRule[]) => void;
  readOnly: boolean;
  /** The API's field errors (`rules.2.match.command` …). */
  errors: Record<string, string>;
  /** The word for what a rule list is, in labels ("Rule 2"). */
  emptyText: string;
}

/** The ordered rules: the first that matches an action decides; add, edit, remove, move up and down. */
export function RulesEditor({ rules, onChange, readOnly, errors, emptyText }: RulesEditorProps) {
  const update = (i: number, next: DraftRule) => onChange(rules.map((r, j) => (j === i ? next : r)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...rules];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    onChange(next);
  };

  return (
    <div className="space-y-3">
      {rules.length === 0 && <p className="text-sm text-zinc-500">{emptyText}</p>}
      <ol className="space-y-2">
        {rules.map((rule, i) => {
          const error = errorsUnder(errors, `rules.${i}`);
          const label = `Rule ${i + 1}`;
          return (
            <li
              key={rule.key}
              data-testid="policy-rule"
              aria-label={label}
              className={cn('rounded-md border bg-white p-3', error ? 'border-red-300' : 'border-zinc-200')}
            >
              <div className="flex flex-wrap items-end gap-2">
                <span className="w-7 self-center text-xs font-medium text-zinc-400 tabular-nums">{i + 1}.</span>
                <label className="space-y-1 text-xs text-zinc-500">
                  <span className="block">Class</span>
                  <select
                    aria-label={`${label} class`}
                    disabled={readOnly}
                    value={rule.class}
                    onChange={(e) => {
                      const cls = e.target.value as GovernanceClass;
                      update(i, { ...rule, class: cls, match: matchForClass(cls, rule.match) });
                    }}
                    className={cn(controlClass, 'pr-8')}
                  >
                    {GOVERNANCE_CLASSES.map((c) => <option key={c} value={c}>{CLASS_LABELS[c]}</option>)}
                  </select>
                </label>
                {MATCH_FIELDS[rule.class].text.map((f) => (
                  <label key={f.key} className="min-w-32 flex-1 space-y-1 text-xs text-zinc-500">
                    <span className="block">{f.label}</span>
                    <input
                      aria-label={`${label} ${f.label.toLowerCase()}`}
                      readOnly={readOnly}
                      spellCheck={false}
                      value={rule.match[f.key] ?? ''}
                      placeholder={`any, e.g. ${f.placeholder}`}
                      aria-invalid={errors[`rules.${i}.match.${f.key}`] ? true : undefined}
                      onChange={(e) => update(i, { ...rule, match: { ...rule.match, [f.key]: e.target.value } })}
                      className={cn(controlClass, 'w-full font-mono text-[13px]')}
                    />
                  </label>
                ))}
                {MATCH_FIELDS[rule.class].flags.map((f) => (
                  <label key={f.key} className="space-y-1 text-xs text-zinc-500">
                    <span className="block">{f.label}</span>
                    <select
                      aria-label={`${label} ${f.label.toLowerCase()}`}
                      disabled={readOnly}
                      value={rule.match[f.key] === undefined ? 'any' : rule.match[f.key] ? 'yes' : 'no'}
                      onChange={(e) => {
                        const { [f.key]: _dropped, ...rest } = rule.match;
                        update(i, { ...rule, match: e.target.value === 'any' ? rest : { ...rest, [f.key]: e.target.value === 'yes' } });
                      }}
                      className={cn(controlClass, 'pr-8')}
                    >
                      <option value="any">Either</option>
                      <option value="yes">Only</option>
                      <option value="no">Never</option>
                    </select>
                  </label>
                ))}
                {rule.class === 'llm_call' && <p className="flex-1 self-center text-xs text-zinc-500">Matches every model call.</p>}
                <label className="space-y-1 text-xs text-zinc-500">
                  <span className="block">Verdict</span>
                  <select
                    aria-label={`${label} verdict`}
                    disabled={readOnly}
                    value={rule.verdict}
                    onChange={(e) => update(i, { ...rule, verdict: e.target.value as Verdict })}
                    className={cn(controlClass, 'pr-8')}
                  >
                    {VERDICTS.map((v) => <option key={v} value={v}>{VERDICT_LABELS[v]}</option>)}
                  </select>
                </label>
                {!readOnly && (
                  <div className="flex items-center gap-0.5 self-center">
                    <IconButton label={`Move ${label.toLowerCase()} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                      <ArrowUp className="size-4" aria-hidden />
                    </IconButton>
                    <IconButton label={`Move ${label.toLowerCase()} down`} disabled={i === rules.length - 1} onClick={() => move(i, 1)}>
                      <ArrowDown className="size-4" aria-hidden />
                    </IconButton>
                    <IconButton label={`Remove ${label.toLowerCase()}`} onClick={() => onChange(rules.filter((_, j) => j !== i))}>
                      <Trash2 className="size-4" aria-hidden />
                    </IconButton>
                  </div>
                )}
              </div>
              {rule.id && <p className="mt-1.5 pl-9 font-mono text-[11px] text-zinc-400">{rule.id}</p>}
              {error && <p className="mt-1.5 pl-9 text-xs text-red-600" role="alert">{error}</p>}
            </li>
          );
        })}
      </ol>
      {!readOnly && (
        <Button
          size="sm"
          icon={<Plus className="size-4" aria-hidden />}
          onClick={() => onChange([...rules, ...draftRules([{ class: 'bash_command', match: {}, verdict: 'ask' }])])}
        >
          Add rule
        </Button>
      )}
    </div>
  );
}
