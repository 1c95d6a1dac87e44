// A help desk with one instance: each ticket keeps its own watcher set, which lives as long
// as the ticket; tickets leave the desk's map when they close. `ticket.watchers.add()` in
// the desk grows the ticket's set, not a field of the desk.
class Ticket {
  watchers = new Set<string>();
  constructor(public readonly id: string) {}
}

class HelpDesk {
  private open = new Map<string, Ticket>();

  watch(ticketId: string, agent: string): void {
    let ticket = this.open.get(ticketId);
    if (!ticket) {
      ticket = new Ticket(ticketId);
      this.open.set(ticketId, ticket);
    }
    ticket.watchers.add(agent);
  }

  close(ticketId: string): void {
    this.open.delete(ticketId);
  }
}

export const desk = new HelpDesk();
