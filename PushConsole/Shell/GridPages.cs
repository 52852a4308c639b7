using MudBlazor;

namespace PushConsole.Shell;

/// <summary>
/// One page of a list the service gives whole (accounts, users, tokens, templates, campaigns, channels: tens of rows),
/// sorted and filtered as the grid asks. Lists that grow with the audience (ledgers, deliveries) page in the database.
/// </summary>
public static class GridPages
{
    public static GridData<T> Of<T>(IEnumerable<T> items, GridState<T> state, Func<T, string>? searchText = null, string? search = null)
    {
        if (searchText is not null && !string.IsNullOrWhiteSpace(search))
        {
            var needle = search.Trim();
            items = items.Where(item => searchText(item).Contains(needle, StringComparison.OrdinalIgnoreCase));
        }
        foreach (var filter in state.FilterDefinitions)
        {
            items = items.Where(FilterExpressionGenerator.GenerateExpression(filter, new FilterOptions()).Compile());
        }
        IOrderedEnumerable<T>? ordered = null;
        foreach (var sort in state.SortDefinitions.OrderBy(s => s.Index))
        {
            ordered = (ordered, sort.Descending) switch
            {
                (null, false) => items.OrderBy(sort.SortFunc),
                (null, true) => items.OrderByDescending(sort.SortFunc),
                (_, false) => ordered.ThenBy(sort.SortFunc),
                (_, true) => ordered.ThenByDescending(sort.SortFunc),
            };
        }
        var all = (ordered ?? items).ToList();
        return new GridData<T> { TotalItems = all.Count, Items = all.Skip(state.Page * state.PageSize).Take(state.PageSize).ToList() };
    }
}
