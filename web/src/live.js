// The SignalR connection: alarms, room updates and tickets; Resume(lastSeq) after every (re)connection.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { api, auth, freshToken } from './api.js';

const handlers = { alarm: new Set(), roomUpdated: new Set(), ticketUpdated: new Set(), alarms: new Set(), state: new Set() };
const rooms = new Map(); // roomId → subscriber count
let connection = null;
let starting = null;

export const alarms = { items: [], unreadCount: 0, lastSeq: 0 };
export const liveState = { value: 'disconnected' };

export function on(event, handler) { handlers[event].add(handler); return () => handlers[event].delete(handler); }
const emit = (event, value) => handlers[event].forEach((h) => h(value));
const setState = (value) => { liveState.value = value; emit('state', value); };

function mergeAlarms(items) {
  let changed = false;
  for (const alarm of items) {
    if (alarms.items.some((a) => a.seq === alarm.seq)) continue;
    alarms.items.push(alarm);
    if (!alarm.read) alarms.unreadCount++;
    alarms.lastSeq = Math.max(alarms.lastSeq, alarm.seq);
    changed = true;
  }
  if (changed) {
    alarms.items.sort((a, b) => b.seq - a.seq);
    emit('alarms', alarms);
  }
}

export async function markAlarmsRead() {
  if (alarms.lastSeq === 0) return;
  await api('POST', '/api/alarms/read', { upToSeq: alarms.lastSeq });
  alarms.items.forEach((a) => { a.read = true; });
  alarms.unreadCount = 0;
  emit('alarms', alarms);
}

async function afterConnect() {
  setState('connected');
  mergeAlarms(await connection.invoke('Resume', alarms.lastSeq));
  for (const roomId of rooms.keys()) {
    const room = await connection.invoke('SubscribeRoom', roomId).catch(() => null);
    if (room) emit('roomUpdated', room);
  }
}

export async function startLive() {
  if (connection) return starting;
  alarms.items = []; alarms.unreadCount = 0; alarms.lastSeq = 0;
  const first = await api('GET', '/api/alarms?limit=50');
  alarms.unreadCount = first.unreadCount;
  alarms.lastSeq = first.lastSeq ?? 0;
  alarms.items = [...first.items].reverse();
  emit('alarms', alarms);

  connection = new HubConnectionBuilder()
    .withUrl('/hubs/partner', { accessTokenFactory: freshToken })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(1000 * 2 ** ctx.previousRetryCount, 10_000) })
    .configureLogging(LogLevel.None)
    .build();
  connection.on('alarm', (alarm) => { mergeAlarms([alarm]); emit('alarm', alarm); });
  connection.on('roomUpdated', (room) => emit('roomUpdated', room));
  connection.on('ticketUpdated', (ticket) => emit('ticketUpdated', ticket));
  connection.onreconnecting(() => setState('reconnecting'));
  connection.onreconnected(() => afterConnect().catch(() => {}));
  const current = connection;
  connection.onclose(() => {
    // Closed for good (e.g. the token expired and could not be refreshed): start over while signed in.
    if (connection !== current) return;
    connection = null;
    setState('disconnected');
    if (auth.signedIn) setTimeout(() => { if (auth.signedIn) startLive().catch(() => {}); }, 2000);
  });
  starting = current.start().then(afterConnect).catch(() => {
    if (connection === current) { connection = null; setState('disconnected'); }
  });
  return starting;
}

export async function stopLive() {
  const current = connection;
  connection = null;
  rooms.clear();
  alarms.items = []; alarms.unreadCount = 0; alarms.lastSeq = 0;
  emit('alarms', alarms);
  setState('disconnected');
  if (current) await current.stop();
}

/** Subscribes to a room's updates while the returned function has not been called. */
export function watchRoom(roomId) {
  rooms.set(roomId, (rooms.get(roomId) ?? 0) + 1);
  if (rooms.get(roomId) === 1 && connection?.state === HubConnectionState.Connected) {
    connection.invoke('SubscribeRoom', roomId).then((room) => emit('roomUpdated', room)).catch(() => {});
  }
  return () => {
    const left = (rooms.get(roomId) ?? 1) - 1;
    if (left > 0) { rooms.set(roomId, left); return; }
    rooms.delete(roomId);
    if (connection?.state === HubConnectionState.Connected) connection.invoke('UnsubscribeRoom', roomId).catch(() => {});
  };
}
