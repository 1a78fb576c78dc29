/**
 * Business groups (seed 000 §3.2.3): one per sheet and content class, so progress, priority
 * and pause/resume can be handled per group. The class comes from sheet name, column header and
 * key, else from text length.
 */
import { memoize } from '../workbook/language-codes.ts';

export type ContentClass = 'UI' | 'DIALOG' | 'ITEM' | 'SKILL' | 'QUEST' | 'SYSTEM' | 'TEXT';

const RULES: Array<[ContentClass, RegExp]> = [
  ['DIALOG', /dialog|dialogue|drama|talk|chat|story|speech|conversation|bark|npc|scenario|对话|對話|剧情|劇情|台词|台詞|セリフ|会話|シナリオ/i],
  ['QUEST', /quest|mission|task_|achievement|任务|任務|成就|クエスト/i],
  ['ITEM', /item|equip|weapon|armor|armour|gear|loot|thing|道具|物品|装备|裝備|アイテム|武器/i],
  ['SKILL', /skill|ability|spell|buff|talent|技能|スキル|天赋/i],
  ['UI', /(^|[^a-z])ui([^a-z]|$)|button|btn|menu|label|title|tab_|tooltip|hud|option|setting|界面|按钮|按鈕|菜单|ボタン|メニュー/i],
  ['SYSTEM', /system|error|warn|notice|tip|toast|log|系统|系統|提示|错误|エラー/i],
];

const DEFAULT_PRIORITY: Record<ContentClass, number> = { UI: 3, SYSTEM: 4, ITEM: 4, SKILL: 5, QUEST: 5, TEXT: 5, DIALOG: 6 };

export function classifyContent(sheetName: string, header: string, key: string | undefined, text: string): ContentClass {
  const named = (key ? classOfName(key) : undefined) ?? classOfLabel(sheetName) ?? classOfLabel(header);
  if (named) return named;
  if (text.length <= 24 && !/[.!?。！？]\s*$/.test(text)) return 'UI';
  return text.length > 120 ? 'DIALOG' : 'TEXT';
}

function classOfName(name: string): ContentClass | undefined {
  for (const [contentClass, pattern] of RULES) if (pattern.test(name)) return contentClass;
  return undefined;
}

/** Sheet names and headers are few and asked about on every row; keys are many and asked once. */
const classOfLabel = memoize(classOfName);

/** Per sheet name and class: asked for on every row. */
export const groupId = (sheetName: string, contentClass: ContentClass): string => groupIdOf(`${contentClass}\u0000${sheetName}`);

const groupIdOf = memoize((classAndSheet: string): string => {
  const [contentClass, sheetName] = classAndSheet.split('\u0000');
  const sheet = sheetName.replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_|_$/g, '').slice(0, 60) || 'Sheet';
  return `GROUP_${sheet}_${contentClass}`;
});

/** 1 runs first, 10 last. Config `translation.group_priority` may name a class or a sheet. */
export function groupPriority(sheetName: string, contentClass: ContentClass, overrides: Readonly<Record<string, number>>): number {
  return overrides[sheetName] ?? overrides[contentClass] ?? overrides[contentClass.toLowerCase()] ?? DEFAULT_PRIORITY[contentClass];
}
