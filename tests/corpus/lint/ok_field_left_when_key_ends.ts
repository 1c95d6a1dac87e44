// A registry of online players whose logout takes the player out of every table kept per
// username, the trimmed lists included.
export class FriendRegistry {
    private worldByPlayer: Record<string, number> = {};
    private friends: Record<string, string[]> = {};
    private ignores: Record<string, string[]> = {};

    async login(world: number, username: string): Promise<void> {
        this.worldByPlayer[username] = world;
        this.friends[username] = await loadList('friends', username);
    }

    addIgnore(username: string, other: string): void {
        this.ignores[username] = this.ignores[username] ?? [];
        this.ignores[username].push(other);
    }

    removeIgnore(username: string, other: string): void {
        const index = this.ignores[username]?.indexOf(other) ?? -1;
        if (index !== -1) this.ignores[username].splice(index, 1);
    }

    logout(username: string): void {
        delete this.worldByPlayer[username];
        delete this.friends[username];
        delete this.ignores[username];
    }
}

declare function loadList(kind: string, username: string): Promise<string[]>;
