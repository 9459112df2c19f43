using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests;

public sealed class RuleFactClassifierTests
{
    private readonly RuleFactClassifier rules = new();

    [Theory]
    [InlineData("Ann lives in Berlin.", "Ann lives in Paris.")]
    [InlineData("I moved to Berlin.", "I live in Paris.")]
    [InlineData("Ann's favourite colour is green.", "Ann's favorite color is blue.")]
    [InlineData("My name is Bea.", "My name is Anna.")]
    [InlineData("Ann works at Initech.", "Ann works for Globex.")]
    [InlineData("Ann has a cat named Miso.", "Ann has a cat.")]
    [InlineData("I am living in Rome.", "I live in Paris.")]
    [InlineData("Ann is working at Globex.", "Ann works at Initech.")]
    [InlineData("The name of the user is Bea.", "The name of the user is Ann.")]
    [InlineData("My name is Bea.", "The name of the user is Ann.")]
    [InlineData("The name of my dog is Rex.", "The name of my dog is Max.")]
    public void A_new_value_of_the_same_attribute_is_an_update(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [Fact("Ann likes jazz."), existing]);
        Assert.Equal(FactAction.Update, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
        Assert.Equal("rules", decision.Classifier);
    }

    [Theory]
    [InlineData("Ann no longer lives in Paris.", "Ann lives in Paris.")]
    [InlineData("I don't have a cat anymore.", "I have a cat.")]
    [InlineData("Ann is not vegetarian any more.", "Ann is vegetarian.")]
    [InlineData("I don't play tennis any longer.", "I play tennis on Sundays with Bob.")] // "longer" is no content word here
    [InlineData("Ann doesn't work at Initech.", "Ann works at Initech.")]
    public void A_negation_of_a_stored_fact_is_a_delete(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [existing]);
        Assert.Equal(FactAction.Delete, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("I eat meat now.", "I don't eat meat.")]
    [InlineData("I can eat gluten now.", "I cannot eat gluten.")]
    [InlineData("Ann lives in Paris again.", "Ann no longer lives in Paris.")]
    public void A_positive_fact_that_reverses_a_negated_one_is_an_update_of_it(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [Fact("Ann likes jazz."), existing]);
        Assert.Equal(FactAction.Update, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("ann lives in paris", "Ann lives in Paris.")]
    [InlineData("Ann has a cat.", "Ann has a cat named Miso.")]
    [InlineData("Ann's favourite colour is blue!", "Ann's favourite colour is blue.")]
    public void What_is_already_known_is_a_noop(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [existing]);
        Assert.Equal(FactAction.Noop, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("My meeting is at 10 am.", "My meeting is at 10 pm.")] // "am" is a stop word, yet it is the value here
    [InlineData("I live in York.", "I live in New York.")]
    [InlineData("I work at Google.", "I work at Google Cloud.")]
    [InlineData("My favourite colour is blue.", "My favourite colour is light blue.")]
    public void A_new_value_whose_words_are_all_in_the_old_one_is_an_update_not_a_noop(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [existing]);
        Assert.Equal(FactAction.Update, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("Ann likes tennis.", "Ann likes jazz.")] // many-valued relation
    [InlineData("Ann's friend is Carl.", "Ann's friend is Bob.")] // many-valued attribute
    [InlineData("Bob lives in Berlin.", "Ann lives in Paris.")] // another subject
    [InlineData("Ann doesn't live in London.", "Ann lives in Paris.")] // negates another value
    [InlineData("Ann is working on a novel.", "Ann works at Initech.")] // a progressive without its place is no employer
    [InlineData("One of my sisters is a teacher.", "One of my sisters is a doctor.")] // one of many, not an attribute of the sisters
    [InlineData("Some of my friends are teachers.", "Some of my friends are doctors.")]
    [InlineData("2 of my cousins are in Rome.", "2 of my cousins are in Paris.")]
    [InlineData("I called my mom yesterday.", "My name is Ann.")] // "called" names no one but in "is called"
    [InlineData("I named my dog Rex.", "My name is Ann.")]
    [InlineData("The user called their mom yesterday.", "The user's name is Ann.")]
    [InlineData("Ann works on a novel.", "Ann works at Initech.")] // a relation verb without its preposition states no new value
    [InlineData("I work from home on Fridays.", "I work at Google.")]
    [InlineData("I live with my sister.", "I live in Paris.")]
    [InlineData("I moved the couch to the bedroom.", "I live in Paris.")]
    [InlineData("I drive to work every day.", "I drive a Tesla.")]
    [InlineData("I work remotely on Fridays.", "I work at Google.")] // an adverb before a preposition that names no employer
    [InlineData("I moved from Oslo last year.", "I live in Paris.")] // where from, but not where to
    public void Unrelated_or_compatible_facts_are_added(string fact, string old)
    {
        var decision = rules.Classify(fact, [Fact(old)]);
        Assert.Equal(FactAction.Add, decision.Action);
        Assert.Null(decision.Target);
    }

    [Theory]
    [InlineData("I live in Paris.", "My sister lives in Paris.")] // the relative's fact holds all of the user's terms
    [InlineData("Ann works at Google.", "Ann's husband works at Google.")]
    [InlineData("My sister lives in Paris.", "I live in Paris.")]
    [InlineData("Ann's husband works at Google.", "Ann works at Google.")]
    [InlineData("My sister doesn't live in Paris.", "I live in Paris.")]
    [InlineData("I am a doctor.", "My sister is a doctor.")]
    [InlineData("My name is Bea.", "My sister's name is Bea.")]
    [InlineData("My sister Eve lives in Berlin.", "My sister Ann lives in Paris.")] // two named sisters
    [InlineData("Actually, my brother lives in Paris.", "I live in Paris.")]
    [InlineData("Ann and I live in Paris.", "I live in Paris.")]
    public void A_fact_about_another_subject_is_added_however_many_terms_it_shares(string fact, string old)
    {
        var decision = rules.Classify(fact, [Fact(old)]);
        Assert.Equal(FactAction.Add, decision.Action);
        Assert.Null(decision.Target);
    }

    [Theory]
    [InlineData("Actually, I don't live in Paris anymore.", "I live in Paris.")] // a leading adverb is no part of the subject
    [InlineData("Unfortunately I no longer work at Google.", "I work at Google.")]
    public void A_negation_after_a_leading_adverb_is_a_delete(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [existing]);
        Assert.Equal(FactAction.Delete, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("Since 2020 the user has worked at Google.", "The user works at Google.")] // a time phrase is no part of the subject
    [InlineData("Honestly, I love sushi.", "I love sushi.")]
    [InlineData("My sister Eve lives in Paris.", "My sister lives in Paris.")] // a name in apposition names the same sister
    public void A_fact_whose_subject_is_set_off_by_other_words_still_updates(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [Fact("Ann likes jazz."), existing]);
        Assert.Equal(FactAction.Update, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("The user moved from Oslo to Bergen.", "The user lives in Oslo.")] // the preposition need not follow the verb
    [InlineData("I work remotely for Acme.", "I work at Initech.")]
    [InlineData("I drive my dad's Volvo.", "I drive a Tesla.")] // a car is named with any determiner or owner
    [InlineData("I drive the family Volvo.", "I drive a Tesla.")]
    [InlineData("I drive Ann's Volvo.", "I drive a Tesla.")]
    public void A_relation_whose_complement_is_set_off_by_other_words_still_updates(string fact, string old)
    {
        var existing = Fact(old);
        var decision = rules.Classify(fact, [Fact("Ann likes jazz."), existing]);
        Assert.Equal(FactAction.Update, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Theory]
    [InlineData("No, I still work at Google.")] // an interjection answers; it does not negate the statement
    [InlineData("I work longer hours at Google.")] // "longer" negates only in "no longer"
    [InlineData("No doubt I work at Google.")] // "no doubt" affirms
    public void A_no_or_longer_that_does_not_negate_the_statement_is_no_delete(string fact)
    {
        var decision = rules.Classify(fact, [Fact("I work at Google.")]);
        Assert.NotEqual(FactAction.Delete, decision.Action);
        Assert.Equal(FactAction.Delete, rules.Classify("I no longer work at Google.", [Fact("I work at Google.")]).Action);
    }

    [Fact]
    public void With_no_candidates_the_fact_is_added()
    {
        Assert.Equal(FactAction.Add, rules.Classify("Ann lives in Paris.", []).Action);
    }

    [Fact]
    public void Text_normalisation_expands_contractions_and_unifies_forms()
    {
        Assert.Equal(["i", "do", "not", "have", "ann", "'s", "cat"], FactText.Words("I don't have Ann's cat"));
        Assert.True(FactText.IsNegated("She isn't here"));
        Assert.False(FactText.IsNegated("Nothingness is a word")); // whole words only
        Assert.Equal(FactText.ContentTerms("Ann has cats"), FactText.ContentTerms("ann have a cat"));
        Assert.Equal(0.5, FactText.Jaccard(new HashSet<string> { "a", "b" }, new HashSet<string> { "b", "c", "a", "d" }));
    }

    [Theory]
    [InlineData("My favourite film is \u2018Dune\u2019", "dune")]
    [InlineData("My favourite film is 'Dune'", "dune")]
    [InlineData("She said 'Ready' twice", "ready")]
    [InlineData("I love 'Velvet' by Ann", "velvet")]
    [InlineData("The 'Lloyd' account", "lloyd")]
    public void A_quoted_word_is_no_contraction(string text, string word)
    {
        Assert.Contains(word, FactText.Words(text));
        Assert.DoesNotContain("would", FactText.Words(text));
    }

    [Fact]
    public void Contractions_still_expand_after_a_word()
    {
        Assert.Equal(["i", "would", "say", "you", "are", "right", "we", "will", "see", "i", "am", "sure", "they", "have", "not"], FactText.Words("I'd say you're right, we'll see, I\u2019m sure they've not"));
        Assert.Equal(["he", "can", "not", "she", "will", "not", "it", "is", "not", "ann", "'s"], FactText.Words("He can't, she won't, it isn't Ann's"));
    }

    [Fact]
    public void A_quoted_title_is_the_same_fact_as_the_bare_one()
    {
        var existing = Fact("My favourite film is Dune.");
        var decision = rules.Classify("My favourite film is 'Dune'.", [existing]);
        Assert.Equal(FactAction.Noop, decision.Action);
        Assert.Equal(existing.Id, decision.Target);
    }

    [Fact]
    public void Cannot_is_a_negation_like_can_t()
    {
        Assert.True(FactText.IsNegated("I cannot eat gluten"));
        Assert.Equal(FactText.ContentTerms("I can't eat gluten"), FactText.ContentTerms("I cannot eat gluten"));
        Assert.NotEqual(FactAction.Noop, rules.Classify("I can eat gluten now.", [Fact("I cannot eat gluten.")]).Action);
        var stored = Fact("I can attend the meeting on Friday.");
        var decision = rules.Classify("I cannot attend the meeting on Friday.", [stored]);
        Assert.Equal(FactAction.Delete, decision.Action);
        Assert.Equal(stored.Id, decision.Target);
    }

    [Fact]
    public void Letters_beyond_the_bmp_are_terms_and_facts_without_terms_are_not_alike()
    {
        // Each of these names is two surrogate pairs: read one UTF-16 unit at a time, they were no letters at all.
        Assert.Equal(["ann", "lives", "in", "𠮷𠮟"], FactText.Words("Ann lives in 𠮷𠮟."));
        Assert.NotEqual(FactAction.Noop, rules.Classify("Ann lives in 𠮷𠮟.", [Fact("Ann lives in 𪚥𧸽.")]).Action);

        const string adlam = "𞤀𞤣𞤤𞤢𞤥 𞤆𞤵𞤤𞤢𞤪"; // Adlam, a living script (U+1E900...)
        Assert.Equal(2, FactText.ContentTerms(adlam).Count);
        Assert.Equal(FactAction.Add, rules.Classify("𞤆𞤵𞤤𞤢𞤪", [Fact("𞤀𞤣𞤤𞤢𞤥")]).Action);

        Assert.Equal(0, FactText.Jaccard(new HashSet<string>(), new HashSet<string>()));
        Assert.Equal(FactAction.Add, rules.Classify("😀", [Fact("🎉")]).Action); // no terms on either side
    }

    private static MemoryItem Fact(string text) => ForgettingCurveTests.Item(1, null, text);

}
