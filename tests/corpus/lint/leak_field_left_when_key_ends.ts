// A registry of online players: logout takes a player out of every table it keeps per
// username but one, whose lists are trimmed but whose entries stay: one for every player
// who ever added someone to it.
export class FriendRegistry {
    private worldByPlayer: Record<string, number> = {};
    private friends: Record<string, string[]> = {};
    private ignores: Record<string, string[]> = {};

    async login(world: number, username: string): Promise<void> {
        this.worldByPlayer[username] = world;
        this.friends[username] = await loadList('friends', username);
    }

    addIgnore(username: string, other: string): void {
        this.ignores[username] = this.ignores[username] ?? []; // expect: field-collection-growth
        this.ignores[username].push(other);
    }

    removeIgnore(username: string, other: string): void {
        const index = this.ignores[username]?.indexOf(other) ?? -1;
        if (index !== -1) this.ignores[username].splice(index, 1);
    }

    logout(username: string): void {
        delete this.worldByPlayer[username];
        delete this.friends[username];
    }
}

declare function loadList(kind: string, username: string): Promise<string[]>;
