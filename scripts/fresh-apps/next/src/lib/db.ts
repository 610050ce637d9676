const statuses = new Map<string, string>();
export const db = {
  applications: {
    async setStatus(id: string, status: string) {
      statuses.set(id, status);
    },
  },
};
