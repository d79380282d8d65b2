import type { ReactNode } from 'react';
import type { BlueprintIllustration } from '@paddock/protocol';
import { cn } from '../../components/cn';

/**
 * The built-in pictures a blueprint card can show, drawn inline: nothing is
 * uploaded or fetched, so there is no image to check or sanitise. Each is a
 * small scene on a 160×90 canvas over its own colour wash.
 */
interface Scene { label: string; wash: string; draw: ReactNode }

const outline = { stroke: 'currentColor', strokeWidth: 3, strokeLinecap: 'round', strokeLinejoin: 'round' } as const;
const stroke = { ...outline, fill: 'none' } as const;
const soft = 'rgb(255 255 255 / 0.85)';

const scenes: Record<BlueprintIllustration, Scene> = {
  spark: {
    label: 'Spark',
    wash: 'from-violet-100 to-fuchsia-50 text-violet-600',
    draw: (
      <>
        <path d="M80 18 L87 38 L107 45 L87 52 L80 72 L73 52 L53 45 L73 38 Z" fill="currentColor" opacity={0.9} />
        <path d="M118 20 L121 28 L129 31 L121 34 L118 42 L115 34 L107 31 L115 28 Z" fill="currentColor" opacity={0.5} />
        <circle cx={44} cy={66} r={4} fill="currentColor" opacity={0.4} />
      </>
    ),
  },
  website: {
    label: 'Web page',
    wash: 'from-sky-100 to-cyan-50 text-sky-600',
    draw: (
      <>
        <rect x={34} y={14} width={92} height={62} rx={6} fill={soft} {...outline} />
        <path d="M34 28 H126" {...stroke} />
        <circle cx={42} cy={21} r={1.8} fill="currentColor" />
        <circle cx={49} cy={21} r={1.8} fill="currentColor" />
        <rect x={44} y={36} width={34} height={20} rx={3} fill="currentColor" opacity={0.35} />
        <path d="M86 39 H114 M86 47 H108 M86 55 H112 M44 66 H114" {...stroke} strokeWidth={2.5} opacity={0.7} />
      </>
    ),
  },
  app: {
    label: 'App',
    wash: 'from-emerald-100 to-teal-50 text-emerald-600',
    draw: (
      <>
        <rect x={40} y={16} width={36} height={26} rx={5} fill="currentColor" opacity={0.8} />
        <rect x={84} y={16} width={36} height={26} rx={5} fill={soft} {...outline} />
        <rect x={40} y={48} width={36} height={26} rx={5} fill={soft} {...outline} />
        <rect x={84} y={48} width={36} height={26} rx={5} fill="currentColor" opacity={0.45} />
      </>
    ),
  },
  data: {
    label: 'Data',
    wash: 'from-amber-100 to-orange-50 text-amber-600',
    draw: (
      <>
        <ellipse cx={80} cy={22} rx={28} ry={8} fill={soft} {...outline} />
        <path d="M52 22 V66 C52 71 64 75 80 75 C96 75 108 71 108 66 V22" fill={soft} {...outline} />
        <path d="M52 37 C52 42 64 46 80 46 C96 46 108 42 108 37 M52 52 C52 57 64 61 80 61 C96 61 108 57 108 52" {...stroke} />
      </>
    ),
  },
  chart: {
    label: 'Chart',
    wash: 'from-rose-100 to-pink-50 text-rose-600',
    draw: (
      <>
        <path d="M38 74 H124 M38 74 V16" {...stroke} />
        <rect x={48} y={50} width={12} height={22} rx={2} fill="currentColor" opacity={0.45} />
        <rect x={68} y={38} width={12} height={34} rx={2} fill="currentColor" opacity={0.65} />
        <rect x={88} y={26} width={12} height={46} rx={2} fill="currentColor" opacity={0.85} />
        <path d="M48 40 L72 28 L92 20 L118 14" {...stroke} opacity={0.6} />
      </>
    ),
  },
  code: {
    label: 'Code',
    wash: 'from-slate-200 to-zinc-50 text-slate-700',
    draw: (
      <>
        <rect x={30} y={14} width={100} height={62} rx={6} fill="currentColor" opacity={0.9} />
        <path d="M50 34 L42 45 L50 56 M110 34 L118 45 L110 56 M86 30 L74 60" fill="none" stroke="white" strokeWidth={3.5} strokeLinecap="round" strokeLinejoin="round" />
      </>
    ),
  },
  document: {
    label: 'Document',
    wash: 'from-indigo-100 to-blue-50 text-indigo-600',
    draw: (
      <>
        <path d="M56 12 H94 L110 28 V78 H56 Z" fill={soft} {...outline} />
        <path d="M94 12 V28 H110" {...stroke} />
        <path d="M66 40 H100 M66 50 H100 M66 60 H88" {...stroke} strokeWidth={2.5} opacity={0.7} />
      </>
    ),
  },
  chat: {
    label: 'Conversation',
    wash: 'from-lime-100 to-green-50 text-green-600',
    draw: (
      <>
        <path d="M36 20 H96 A6 6 0 0 1 102 26 V50 A6 6 0 0 1 96 56 H58 L46 66 V56 H42 A6 6 0 0 1 36 50 V26 A6 6 0 0 1 42 20 Z" fill={soft} {...outline} />
        <path d="M84 40 H118 A6 6 0 0 1 124 46 V64 A6 6 0 0 1 118 70 H114 V78 L104 70 H90 A6 6 0 0 1 84 64 Z" fill="currentColor" opacity={0.7} />
        <path d="M48 32 H88 M48 42 H76" {...stroke} strokeWidth={2.5} opacity={0.7} />
      </>
    ),
  },
};

export const illustrationNames = Object.keys(scenes) as BlueprintIllustration[];
export const illustrationLabel = (name: BlueprintIllustration): string => scenes[name].label;

/** A blueprint's picture; null draws the generic one. Decorative: the card's own text says what the blueprint is. */
export function BlueprintIllustrationArt({ name, className }: { name: BlueprintIllustration | null; className?: string }) {
  const scene = scenes[name ?? 'spark'];
  return (
    <div className={cn('flex items-center justify-center bg-gradient-to-br', scene.wash, className)} data-illustration={name ?? 'spark'}>
      <svg viewBox="0 0 160 90" className="h-full max-h-full w-auto" aria-hidden focusable="false">
        {scene.draw}
      </svg>
    </div>
  );
}
